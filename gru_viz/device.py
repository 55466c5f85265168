"""Which device training runs on, asked once of a short-lived child process, so the app server never imports torch."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the same answer training.resolve_device("auto") gives inside a training process
PROBE = ("import sys; sys.path.insert(0, sys.argv[1]); from gru_viz.training import resolve_device; "
         "print(resolve_device())")
PROBE_TIMEOUT_S = 120  # importing torch takes a few seconds, longer on a busy machine

_lock = threading.Lock()
_probe: threading.Thread | None = None
_answer: str | None = None


def _ask() -> None:
    global _answer
    try:
        done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT)], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=PROBE_TIMEOUT_S, check=False)
        lines = done.stdout.split()
        answer = lines[-1] if done.returncode == 0 and lines else "unknown"
    except (OSError, subprocess.SubprocessError):
        answer = "unknown"
    _answer = answer if answer in ("cpu", "cuda") else "unknown"


def training_device(wait: float = 0.0) -> str | None:
    """"cpu" or "cuda" (or "unknown" if the probe failed); None while the probe, started on the first call, runs."""
    global _probe
    with _lock:
        if _probe is None:
            _probe = threading.Thread(target=_ask, name="gru_viz-device-probe", daemon=True)
            _probe.start()
    _probe.join(wait)
    return _answer
