"""Fair turns at a busy server: a session that has used more than its share of the script time waits (pure).

Every session of one Streamlit process runs its Python under one lock (the GIL), so a tab that reruns the page
again and again (an uploader hammered in a loop, say) makes everyone else wait. The app charges each page run's
CPU seconds to its session; when the server was busy over the last `window_s` seconds, a session that used more
than an equal share of what the server can do in that window waits (in time.sleep, which holds no lock, so the
others run meanwhile) until enough of its old runs leave the window. An idle server never delays anyone.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class FairShare:
    """CPU seconds per session over a sliding window, and how long a session should wait before its next run."""

    def __init__(self, window_s: float = 10.0, capacity: float = 0.8, busy: float = 0.5, max_delay_s: float = 5.0,
                 clock=time.monotonic):
        self.window_s = window_s
        self.capacity = capacity  # of one core: what the script threads can use between them (the GIL's share)
        self.busy = busy  # below this share of one core over the window, nobody waits
        self.max_delay_s = max_delay_s
        self._clock = clock
        self._runs: deque[tuple[float, str, float]] = deque()  # (when it ended, session, CPU seconds), oldest first
        self._lock = threading.Lock()

    def charge(self, session: str, cpu_s: float) -> None:
        """Record a finished run of `session` that took `cpu_s` seconds of CPU."""
        with self._lock:
            self._runs.append((self._clock(), session, max(0.0, float(cpu_s))))
            self._forget_old()

    def delay(self, session: str) -> float:
        """Seconds `session` should wait before its next run (0 when the server is not busy or it is within share)."""
        with self._lock:
            now = self._forget_old()
            total = sum(cpu for _, _, cpu in self._runs)
            if total < self.busy * self.window_s:
                return 0.0
            active = {s for _, s, _ in self._runs} | {session}
            allowance = self.capacity * self.window_s / len(active)  # an equal share of what the server can do
            mine = [(t, cpu) for t, s, cpu in self._runs if s == session]
            used = sum(cpu for _, cpu in mine)
            if used <= allowance:
                return 0.0
            for t, cpu in mine:  # oldest first: wait until enough of them have left the window
                used -= cpu
                if used <= allowance:
                    return min(self.max_delay_s, max(0.0, t + self.window_s - now))
            return self.max_delay_s  # not reached: with every run gone, nothing is used

    def _forget_old(self) -> float:
        now = self._clock()
        while self._runs and self._runs[0][0] <= now - self.window_s:
            self._runs.popleft()
        return now


classroom = FairShare()  # one per server process: every session of it shares the GIL
