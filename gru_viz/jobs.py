"""Training runs in child processes, queued first in first out, bounded and fair to every session.

A page submits a TrainConfig (or several: they train one after another in ONE child, which pays the torch
import once), keeps the TrainingJob (e.g. in st.session_state) and calls job.poll() from a fragment that
reruns every second or so; poll() never blocks. Nothing here imports torch: only the children do.

The queue's policy, for a classroom on one small server (the pages say it in words):
- one job per owner (a browser session): its new submit replaces its old job, which is cancelled unless
  another session watches it (a stored comparison that several students look at);
- a job that nobody owns or watches any more (its session closed) is cancelled after gone_grace_s;
- a job trains for at most budget_s seconds, then stops with what it has;
- a submit is refused with QueueFull, which carries an estimate of when to try again, when max_waiting jobs
  already wait or when it would wait more than max_wait_s (estimated from the steps queued ahead).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import multiprocessing as mp
import os
import queue
import sys
import threading
import time
import types
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from gru_viz.training import Snapshot, TrainConfig, TrainEvent, TrainResult, train

STOP_GRACE_S = 3.0  # a stopped child has this long to send its result before it is terminated
KILL_GRACE_S = 1.0  # after terminate (SIGTERM), this long before kill (SIGKILL)
CHILD_NICENESS = 5  # children yield the CPU to the server when both want it
STARTUP_S = 2.0  # a new training process: interpreter and torch import, measured 1.5-2 s on the 2-core machine
# a job nobody has measured yet is estimated at a GRU's speed on the 2-core development machine (validation
# included): about 2 µs per sequence per time step, times (1 + H/64); measured 1.8-2.3 µs for T = 50-200, H = 16-64
FALLBACK_S_PER_SEQUENCE_STEP = 2e-6
STARTUP_LIMIT_S = 60.0  # a process that has not begun training by then is ended (a 2-core machine under load: 8 s)
GONE_GRACE_S = 30.0  # a session silent this long has gone (Streamlit keeps a dropped one 2 min for a reconnect)
WATCH_EVERY_S = 2.0  # how often the manager's watchdog looks at budgets and owners when no page polls
_CONTEXT = mp.get_context("spawn")  # never fork: the server is multi-threaded, and torch must not be forked
_ids = itertools.count(1)


def _child_main(configs: Sequence[TrainConfig], events, stop, analyse: Callable | None = None) -> None:
    """Entry point of the child process: train each config in turn and send every event, tagged by part."""
    try:
        os.nice(CHILD_NICENESS)
    except (AttributeError, OSError):  # not on this platform, or not allowed
        pass
    for part, config in enumerate(configs):
        if stop.is_set():
            return
        try:
            if part == 0 and len(configs) > 1:
                _warm_up(configs, stop)
            for event in train(config, stop):  # torch is imported inside train(): in the child only
                if event.finished and event.result is not None and analyse is not None:
                    events.put(("extra", part, analyse(event.result)))  # before the final event: complete when final
                events.put(("event", part, event))
        except BaseException as exc:  # noqa: BLE001  anything at all: the parent must hear why, not find a corpse
            events.put(("crash", part, f"{type(exc).__name__}: {exc}"))
            return


def _warm_up(configs: Sequence[TrainConfig], stop) -> None:
    """One untimed step of every cell in the job before the timed runs, so that torch's one-off costs of a first
    call do not land on whichever cell happens to train first (and the clocks of a comparison stay fair)."""
    for config in {(c.cell, c.device): c for c in configs}.values():
        for _ in train(replace(config, steps=1, eval_every=1, log_every=1, n_snapshots=2,
                               val_size=min(config.val_size, config.batch_size)), stop):
            pass


@contextlib.contextmanager
def _main_hidden():
    """Spawn children without re-running the parent's main script in them."""
    # multiprocessing's spawn runs sys.modules["__main__"].__file__ again in every child; under Streamlit
    # that module is the page script itself (its script runner installs it as __main__), so each child
    # would execute the whole page. An empty __main__ while start() reads it keeps children lean.
    real, empty = sys.modules.get("__main__"), types.ModuleType("__main__")
    sys.modules["__main__"] = empty
    try:
        yield
    finally:
        if sys.modules.get("__main__") is empty and real is not None:  # unless another thread installed its own
            sys.modules["__main__"] = real


class _Child:
    """The OS-level parts of a job, kept apart from it so that a finalizer can reap them without the job."""

    def __init__(self):
        self.process = None  # multiprocessing.Process, once started
        self.events = _CONTEXT.Queue()  # child → parent: ("event" | "extra" | "crash", part, payload)
        self.stop = _CONTEXT.Event()  # parent → child: please end after the current step
        self.reaped = False  # process gone and queue released: nothing left to clean up

    def drain(self) -> list:
        """Everything the child has sent so far, without blocking."""
        items = []
        while not self.reaped:
            try:
                items.append(self.events.get_nowait())
            except queue.Empty:
                break
        return items

    def reap(self, wait: float = 0.0) -> list:
        """Ask the child to stop, give it `wait` seconds, then terminate, then kill; returns what it sent meanwhile."""
        if self.reaped:
            return []
        self.stop.set()
        items, p = [], self.process
        if p is not None and p.exitcode is None:
            deadline = time.monotonic() + wait
            while p.exitcode is None and time.monotonic() < deadline:
                items += self.drain()  # a child blocked writing to a full pipe cannot exit until someone reads
                p.join(0.02)
            if p.exitcode is None:
                p.terminate()
                p.join(KILL_GRACE_S)
            if p.exitcode is None:
                p.kill()
                p.join(KILL_GRACE_S)
        items += self.drain()
        self.release()
        return items

    def release(self) -> None:
        """Free the queue and the process handle of a child that has exited (or never started)."""
        self.reaped = True
        self.events.close()
        self.events.join_thread()
        if self.process is not None and self.process.exitcode is not None:
            self.process.close()


class Owner:
    """One user of the queue, e.g. a browser session: a name, and a way to ask whether it is still there."""

    def __init__(self, name: str, alive: Callable[[], bool] | None = None):
        self.name = str(name)
        self._alive = alive  # None: alive for as long as this object exists (the manager holds it weakly)

    def __repr__(self) -> str:
        return f"Owner({self.name!r})"

    def is_alive(self) -> bool:
        return True if self._alive is None else bool(self._alive())


class QueueFull(Exception):
    """A submit the queue cannot take now: why, the estimated wait ahead, and about when to try again."""

    def __init__(self, reason: str, wait_s: float, retry_s: float):
        super().__init__(f"the training queue is full ({reason}); try again in about {retry_s:.0f} s")
        self.reason = reason  # "waiting" (max_waiting jobs wait) or "wait" (it would wait over max_wait_s)
        self.wait_s = wait_s  # estimated seconds before it would start
        self.retry_s = retry_s  # estimated seconds until the queue could take it


@dataclass
class Part:
    """One config of a job: its events, its result and how it ended."""

    config: TrainConfig
    status: str = "queued"  # queued → running → done | stopped | error
    events: list[TrainEvent] = field(default_factory=list)  # oldest first
    latest: TrainEvent | None = None
    snapshots: list[Snapshot] = field(default_factory=list)  # weights during training, as they arrive
    result: TrainResult | None = None  # set when done, or stopped cleanly
    extra: object = None  # what the job's analyse(result) returned in the child
    message: str = ""  # how it ended, in words

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped", "error")


class TrainingJob:
    """One or more training runs, one after another in one process: status, events and, at the end, results."""

    def __init__(self, configs: Sequence[TrainConfig], manager: JobManager, analyse: Callable | None = None):
        self.id = next(_ids)  # unique in this server process
        self.configs = tuple(configs)  # validated
        self.parts = [Part(c) for c in self.configs]
        self.analyse = analyse  # a module-level function of a TrainResult, run in the child after each part
        self.status = "queued"  # queued → running → done | stopped | error (or queued → stopped)
        self.error = ""  # why the job failed, when status == "error"
        self.message = ""  # how the job ended, in words
        self.ended_by = ""  # "" (ran to its end), "stop", "budget", "replaced", "gone" or "crash"
        self.budget_s = manager.budget_s  # seconds it may train, None for no limit
        self.submitted_at = time.time()
        self.started_at: float | None = None  # when its process was started (time.time())
        self.finished_at: float | None = None
        self.startup_s: float | None = None  # process start → first event: interpreter, torch import, model
        self._manager = manager
        self._child = _Child()
        self._unread: list[TrainEvent] = []
        self._events: list[TrainEvent] = []  # of every part, in arrival order
        self._started_mono: float | None = None  # time.monotonic() at process start
        self._first_mono: float | None = None  # time.monotonic() at its first event: training began
        self._stop_mono: float | None = None  # when stop() was asked (or the last event came)
        self._reason = ""  # the message to end with when the manager (not the child) ended it
        self._owned = False  # submitted by an owner: the queue's policy applies (jobs of tests and scripts run on)
        self._owner: weakref.ref | None = None  # the Owner who submitted it, while it still holds the job
        self._watchers: dict[str, weakref.ref] = {}  # other owners looking at it: name → Owner
        self._gone_since: dict[str, float] = {}  # holder name → first time it was seen gone
        # a job that is dropped (its session ended) must not leave a process behind
        self._finalizer = weakref.finalize(self, _Child.reap, self._child)

    def __repr__(self) -> str:
        return f"TrainingJob(id={self.id}, task={self.config.task!r}, parts={len(self.parts)}, status={self.status!r})"

    # --- what a page reads -------------------------------------------------------------------------
    @property
    def config(self) -> TrainConfig:
        return self.configs[0]

    @property
    def events(self) -> list[TrainEvent]:
        """Every event received, of every part, oldest first."""
        return self._events

    @property
    def latest(self) -> TrainEvent | None:
        """The newest event of any part."""
        return self._events[-1] if self._events else None

    @property
    def result(self) -> TrainResult | None:
        """The result of a one-config job (see parts for a job of several)."""
        return self.parts[0].result if len(self.parts) == 1 else None

    @property
    def snapshots(self) -> list[Snapshot]:
        """The weights during training of a one-config job, as they arrive; the final, evenly spaced set at the end."""
        return self.parts[0].snapshots if len(self.parts) == 1 else []

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped", "error")

    @property
    def position(self) -> int:
        """1 for the next job to start, 2 for the one after, ...; 0 when not waiting."""
        return self._manager.position(self)

    @property
    def wait_s(self) -> float:
        """Estimated seconds before a waiting job starts; 0 when not waiting."""
        return self._manager.wait_s(self) if self.status == "queued" else 0.0

    @property
    def process_alive(self) -> bool:
        p = self._child.process
        return p is not None and not self._child.reaped and p.exitcode is None

    @property
    def steps_total(self) -> int:
        return sum(c.steps for c in self.configs)

    @property
    def steps_done(self) -> int:
        """Optimizer steps taken so far, all parts together."""
        return sum(p.latest.step for p in self.parts if p.latest is not None)

    @property
    def current_part(self) -> int:
        """Index of the part training now (or the last one that did)."""
        started = [i for i, p in enumerate(self.parts) if p.status != "queued"]
        return started[-1] if started else 0

    @property
    def running_s(self) -> float:
        """Seconds since its process started (0 before)."""
        return self._seconds_since(self._started_mono)

    @property
    def training_s(self) -> float:
        """Seconds since its first event, when training began (0 before): what the budget counts."""
        return self._seconds_since(self._first_mono)

    def _seconds_since(self, start: float | None) -> float:
        if start is None:
            return 0.0
        end = self._stop_mono if self.finished and self._stop_mono is not None else time.monotonic()
        return max(0.0, end - start)

    def poll(self) -> list[TrainEvent]:
        """The events that arrived since the last poll (never blocks); also starts queued jobs when slots free."""
        with self._manager._lock:
            self._manager.poll()
            unread, self._unread = self._unread, []
            return unread

    def stop(self, wait: float = 0.0) -> None:
        """Ask the job to end after its current step; wait up to `wait` s for it (a later poll() enforces it)."""
        with self._manager._lock:
            self._ask_stop("stop", "")
        deadline = time.monotonic() + wait
        while not self.finished and time.monotonic() < deadline:
            self.poll()
            time.sleep(0.02)

    def watch(self, owner: Owner) -> None:
        """Keep this job alive while the owner looks at it (see JobManager.watch)."""
        self._manager.watch(self, owner)

    def unwatch(self, owner: Owner) -> None:
        """The owner no longer looks at it (see JobManager.unwatch)."""
        self._manager.unwatch(self, owner)

    def close(self) -> None:
        """End the job now: its process is stopped (terminated if it must be) and its queue released."""
        with self._manager._lock:
            self._finalizer.detach()
            for item in self._child.reap(wait=0.5):
                self._receive(item)
            if not self.finished:
                self._finish_parts("stopped", "closed")
                self._end("stopped", "closed")
            self._manager.poll()  # its slot may start the next job

    # --- driven by the manager, under its lock ----------------------------------------------------
    def _ask_stop(self, by: str, reason: str) -> None:
        """End a waiting job at once, or ask a running one to stop; `reason` replaces the child's own message."""
        if self.finished:
            return
        self.ended_by = self.ended_by or by
        self._reason = self._reason or reason
        if self.status == "queued":
            self._finish_parts("stopped", "not started")
            self._end("stopped", self._reason or "stopped before it started")
            self._finalizer.detach()
            self._child.release()
        else:
            self._child.stop.set()
            self._stop_mono = self._stop_mono or time.monotonic()

    def _start(self) -> None:
        self._child.process = _CONTEXT.Process(target=_child_main, args=(self.configs, self._child.events,
                                               self._child.stop, self.analyse), name=f"gru_viz-train-{self.id}",
                                               daemon=True)
        self._started_mono = time.monotonic()
        self.started_at = time.time()
        self.status = "running"
        try:
            with _main_hidden():
                self._child.process.start()
        except Exception as exc:  # noqa: BLE001  out of processes or memory: this job fails, the server goes on
            self._child.process = None
            self.ended_by = "crash"
            self._finish_parts("error", "not started")
            self._end("error", f"could not start the training process: {type(exc).__name__}: {exc}")
            self._finalizer.detach()
            self._child.release()

    def _receive(self, item) -> None:
        if self.finished:
            return
        kind, index, payload = item
        part = self.parts[index]
        if kind == "crash":
            self.ended_by = self.ended_by or "crash"
            part.status, part.message = "error", f"training failed: {payload}"
            self._finish_parts("stopped", "not started")
            self._end("error", part.message)
            return
        if kind == "extra":
            part.extra = payload
            return
        event: TrainEvent = payload
        if self.startup_s is None:
            self._first_mono = time.monotonic()
            self.startup_s = self._first_mono - self._started_mono
        part.events.append(event)
        part.latest = event
        self._events.append(event)
        self._unread.append(event)
        self._manager._learn_rate(part.config, event)
        if event.snapshot is not None and event.status == "running":
            part.snapshots.append(event.snapshot)
        if part.status == "queued":
            part.status = "running"
        if not event.finished:
            return
        part.status, part.message = event.status, event.message or "finished"
        if event.result is not None:
            part.result = event.result
            part.snapshots = list(event.result.snapshots)  # the final, evenly spaced set
        if event.status == "stopped":  # the child runs no further part
            self._finish_parts("stopped", "not started")
        if all(p.finished for p in self.parts):
            self._end_from_parts()

    def _finish_parts(self, status: str, message: str) -> None:
        for part in self.parts:
            if not part.finished:
                part.status, part.message = status, message

    def _end_from_parts(self) -> None:
        stopped = [p for p in self.parts if p.status == "stopped"]
        failed = [p for p in self.parts if p.status == "error"]
        if stopped:
            self._end("stopped", self._reason or stopped[0].message)
        elif failed:
            self._end("error", failed[0].message)
        else:
            self._end("done", "finished")

    def _end(self, status: str, message: str) -> None:
        self.status, self.message = status, message
        if status == "error":
            self.error = message
        self.finished_at = time.time()
        self._stop_mono = self._stop_mono or time.monotonic()

    def _update(self) -> None:
        """Take in new events; end a job over its budget; reap a process that exited or overstays a stop."""
        child = self._child
        for item in child.drain():
            self._receive(item)
        p = child.process
        if p is None or child.reaped:
            return
        if (self.budget_s is not None and not self.finished and self._stop_mono is None
                and self.training_s > self.budget_s):
            self._ask_stop("budget", f"stopped after {self.budget_s:g} s, the most one run may train on this server")
        if self.startup_s is None and not self.finished and self.running_s > STARTUP_LIMIT_S:
            self.ended_by = self.ended_by or "crash"
            self._finalizer.detach()
            child.reap()
            message = f"the training process did not begin within {STARTUP_LIMIT_S:g} s (the server is overloaded)"
            self._finish_parts("error", message)
            self._end("error", message)
            return
        if p.exitcode is not None:
            for item in child.drain():  # what it sent just before exiting
                self._receive(item)
            if not self.finished:
                if child.stop.is_set():
                    self._finish_parts("stopped", "the training process was terminated")
                    self._end("stopped", self._reason or "the training process was terminated")
                else:
                    self.ended_by = self.ended_by or "crash"
                    message = f"the training process ended unexpectedly (exit code {p.exitcode})"
                    self._finish_parts("error", message)
                    self._end("error", message)
            self._finalizer.detach()
            child.release()
        elif self._stop_mono is not None and (time.monotonic() - self._stop_mono > STOP_GRACE_S
                                              or self.startup_s is None):  # still starting: nothing to keep
            self._finalizer.detach()
            for item in child.reap():
                self._receive(item)
            if not self.finished:
                message = (f"the training process did not stop within {STOP_GRACE_S:g} s and was ended"
                           if self.startup_s is not None else "stopped before training began")
                self._finish_parts("stopped", message)
                self._end("stopped", self._reason or message)

    def _holders(self) -> list[Owner]:
        """The owners keeping this job alive: who submitted it (unless it was replaced) and who watches it."""
        refs = ([self._owner] if self._owner is not None else []) + list(self._watchers.values())
        return [o for o in (ref() for ref in refs) if o is not None]


class JobManager:
    """Runs at most max_running jobs at once; the rest wait, first in, first out, under the policy above."""

    def __init__(self, max_running: int = 1, max_waiting: int | None = None, max_wait_s: float | None = None,
                 budget_s: float | None = None, gone_grace_s: float = GONE_GRACE_S,
                 watch_every_s: float = WATCH_EVERY_S):
        if int(max_running) < 1:
            raise ValueError(f"max_running must be at least 1, got {max_running}")
        self.max_running = int(max_running)
        self.max_waiting = max_waiting  # None: no limit on the number of waiting jobs
        self.max_wait_s = max_wait_s  # None: no limit on the estimated wait of a new job
        self.budget_s = budget_s  # seconds of training per job, None: no limit
        self.gone_grace_s = float(gone_grace_s)
        self.watch_every_s = float(watch_every_s)
        self._lock = threading.RLock()  # sessions poll from their own threads
        self._jobs: list[weakref.ref] = []  # weak: a job its page dropped is collected, and its child killed
        self._owned: dict[str, weakref.ref] = {}  # owner name → its latest submitted job
        self._rates: dict[tuple, float] = {}  # measured seconds per step, by what decides it (see _signature)
        self._watchdog: threading.Thread | None = None
        self._closing = threading.Event()

    # --- submitting ----------------------------------------------------------------------------------
    def submit(self, configs: TrainConfig | Sequence[TrainConfig], owner: Owner | None = None,
               analyse: Callable | None = None) -> TrainingJob:
        """Queue a job of one or more configs (ValueError for a bad one; QueueFull when the queue cannot take it).

        With an owner, the job replaces that owner's previous one, which is cancelled unless someone watches it.
        """
        # one config (a TrainConfig, or any config train() accepts, e.g. the text model's) or a list of them
        configs = list(configs) if isinstance(configs, (list, tuple)) else [configs]
        if not configs:
            raise ValueError("a job needs at least one config")
        configs = [c.validated() for c in configs]
        with self._lock:
            self.poll()
            previous = self.owned(owner) if owner is not None else None
            leaving = previous if previous is not None and self._holders_without(previous, owner) == [] else None
            self._check_room(configs, leaving)
            job = TrainingJob(configs, self, analyse)
            if owner is not None:
                if previous is not None:
                    self._release(previous, owner.name, "replaced", "replaced by a newer run of the same session")
                job._owned, job._owner = True, weakref.ref(owner)
                self._owned[owner.name] = weakref.ref(job)
                self._start_watchdog()
            self._jobs.append(weakref.ref(job))
            self.poll()
        return job

    def owned(self, owner: Owner) -> TrainingJob | None:
        """The owner's latest submitted job while it is unfinished, else None."""
        with self._lock:
            ref = self._owned.get(owner.name)
            job = ref() if ref is not None else None
            return job if job is not None and not job.finished else None

    def watch(self, job: TrainingJob, owner: Owner) -> None:
        """Keep a job alive while this owner looks at it (another session's stored run)."""
        with self._lock:
            if job.finished or (job._owner is not None and job._owner() is owner):
                return
            job._watchers[owner.name] = weakref.ref(owner)
            job._gone_since.pop(owner.name, None)
            self._start_watchdog()

    def unwatch(self, job: TrainingJob, owner: Owner) -> None:
        """This owner no longer looks at the job; cancel it if nobody else holds it."""
        with self._lock:
            if job._watchers.pop(owner.name, None) is not None:
                self._cancel_if_unheld(job, "gone", "cancelled: nobody is looking at it any more")

    def estimate(self, configs: Sequence[TrainConfig], best: bool = False) -> float:
        """Estimated seconds of training for a job of these configs (process start not included, nor the budget).

        best: at the quicker of the measured and the fallback rate, i.e. what the machine manages when it is not
        busy: a page refuses settings that could not finish within the budget even then.
        """
        with self._lock:
            return sum(c.steps * (min(self._seconds_per_step(c), self._fallback(c)) if best else
                                  self._seconds_per_step(c)) for c in configs)

    def wait_s(self, job: TrainingJob | None = None, without: TrainingJob | None = None) -> float:
        """Estimated seconds before a waiting job starts; for None, before a job submitted now would start.

        without: a waiting job to leave out (one its owner is about to replace).
        """
        with self._lock:
            # when each slot frees (a job about to be replaced stops at its next step)
            free = [0.0 if j is without else self.remaining_s(j) for j in self.running]
            free += [0.0] * (self.max_running - len(free))
            heapq.heapify(free)
            for waiting in self.waiting:
                if waiting is without:
                    continue
                start = heapq.heappop(free)
                if waiting is job:
                    return start
                heapq.heappush(free, start + self.remaining_s(waiting))
            return free[0]

    def remaining_s(self, job: TrainingJob) -> float:
        """Estimated seconds of work the job still has, never more than its budget allows."""
        with self._lock:
            if job.finished:
                return 0.0
            # a process not yet started, or still importing torch, has its start-up ahead of it
            left = STARTUP_S if job.status == "queued" else 0.0 if job.startup_s is not None else \
                max(0.0, STARTUP_S - job.running_s)
            for part in job.parts:
                if part.finished:
                    continue
                done = part.latest.step if part.latest is not None else 0
                rate = self._part_rate(part)
                left += (part.config.steps - done) * rate
            if job.budget_s is not None:
                left = min(left, STARTUP_S * (job.startup_s is None) + max(0.0, job.budget_s - job.training_s))
            return left

    # --- the queue itself ---------------------------------------------------------------------------
    def poll(self) -> None:
        """Collect events, enforce budgets, cancel what nobody holds, start waiting jobs (never blocks)."""
        with self._lock:
            jobs = self.jobs
            for job in jobs:
                job._update()
            self._check_owners(jobs)
            # keep what still needs us: jobs waiting to start, and processes not yet reaped
            jobs = [j for j in jobs if j.status == "queued" or (j._child.process is not None and not j._child.reaped)]
            self._jobs = [weakref.ref(j) for j in jobs]
            self._owned = {k: r for k, r in self._owned.items() if r() is not None and not r().finished}
            running = sum(j.status == "running" for j in jobs)
            for job in jobs:
                if running >= self.max_running:
                    break
                if job.status == "queued":
                    job._start()
                    running += 1

    @property
    def jobs(self) -> list[TrainingJob]:
        """Jobs still waiting or with a process, oldest first."""
        with self._lock:
            return [j for j in (ref() for ref in self._jobs) if j is not None]

    @property
    def running(self) -> list[TrainingJob]:
        return [j for j in self.jobs if j.status == "running"]

    @property
    def waiting(self) -> list[TrainingJob]:
        return [j for j in self.jobs if j.status == "queued"]

    def position(self, job: TrainingJob) -> int:
        """1-based place of a queued job in the line; 0 when it is not waiting."""
        waiting = self.waiting
        return waiting.index(job) + 1 if job in waiting else 0

    def shutdown(self) -> None:
        """Close every job and stop the watchdog (tests, server shutdown); the manager can be used again."""
        self._closing.set()
        if self._watchdog is not None:
            self._watchdog.join(timeout=5)
        self._closing.clear()
        for job in self.jobs:
            job.close()

    # --- inside -----------------------------------------------------------------------------------------
    def _check_room(self, configs: Sequence[TrainConfig], leaving: TrainingJob | None) -> None:
        waiting = [j for j in self.waiting if j is not leaving]
        if self.max_waiting is not None and len(waiting) >= self.max_waiting and len(self.running) >= self.max_running:
            # a place frees when the next waiting job starts: when the first running job ends
            retry = min((self.remaining_s(j) for j in self.running), default=0.0)
            raise QueueFull("waiting", self.wait_s(without=leaving), max(retry, 1.0))
        if self.max_wait_s is not None:
            wait = self.wait_s(without=leaving)
            if wait > self.max_wait_s:
                raise QueueFull("wait", wait, max(wait - self.max_wait_s, 1.0))

    def _holders_without(self, job: TrainingJob, owner: Owner) -> list[Owner]:
        return [o for o in job._holders() if o is not owner]

    def _release(self, job: TrainingJob, name: str, by: str, reason: str) -> None:
        """The named owner lets go of the job; it is cancelled when nobody else holds it."""
        if job._owner is not None and (job._owner() is None or job._owner().name == name):
            job._owner = None
        job._watchers.pop(name, None)
        self._cancel_if_unheld(job, by, reason)

    def _cancel_if_unheld(self, job: TrainingJob, by: str, reason: str) -> None:
        if job._owned and not job.finished and not job._holders():
            job._ask_stop(by, reason)

    def _check_owners(self, jobs: list[TrainingJob]) -> None:
        """Let go of owners whose session has gone; a job nobody holds any more is cancelled."""
        now = time.monotonic()
        for job in jobs:
            if job.finished or not job._owned:
                continue
            for owner in job._holders():
                if owner.is_alive():
                    job._gone_since.pop(owner.name, None)
                elif now - job._gone_since.setdefault(owner.name, now) >= self.gone_grace_s:
                    self._release(job, owner.name, "gone", "cancelled: the session that asked for it has closed")
            # an owner whose object was collected (its session state is gone) holds nothing
            if job._owner is not None and job._owner() is None:
                job._owner = None
            job._watchers = {k: r for k, r in job._watchers.items() if r() is not None}
            self._cancel_if_unheld(job, "gone", "cancelled: the session that asked for it has closed")

    def _start_watchdog(self) -> None:
        """A thread that polls while jobs with owners exist, so that budgets and closed sessions act unwatched."""
        if self._watchdog is not None and self._watchdog.is_alive():
            return
        manager = weakref.ref(self)

        def watch() -> None:
            while True:
                m = manager()
                if m is None or m._closing.wait(m.watch_every_s):
                    return
                m.poll()
                del m

        self._watchdog = threading.Thread(target=watch, name="gru_viz-queue-watchdog", daemon=True)
        self._watchdog.start()

    @staticmethod
    def _signature(config) -> tuple:
        """What decides a run's time per step (getattr: other config types pass through the queue too)."""
        return (type(config).__name__,) + tuple(getattr(config, name, None) for name in (
            "cell", "task", "seq_len", "hidden_size", "batch_size", "device", "eval_every", "val_size"))

    def _learn_rate(self, config: TrainConfig, event: TrainEvent) -> None:
        """Remember a finished run's seconds per step (validation included) for runs with the same sizes."""
        if event.finished and event.step >= 10 and event.elapsed_s > 0:
            self._rates[self._signature(config)] = event.elapsed_s / event.step

    def _seconds_per_step(self, config: TrainConfig) -> float:
        measured = self._rates.get(self._signature(config))
        return measured if measured is not None else self._fallback(config)

    @staticmethod
    def _fallback(config) -> float:
        sizes = [getattr(config, name, 1) for name in ("batch_size", "seq_len", "hidden_size")]
        return FALLBACK_S_PER_SEQUENCE_STEP * sizes[0] * sizes[1] * (1 + sizes[2] / 64)

    def _part_rate(self, part: Part) -> float:
        latest = part.latest
        if latest is not None and latest.step >= 10 and latest.elapsed_s > 0:
            return latest.elapsed_s / latest.step
        return self._seconds_per_step(part.config)


def _env_float(name: str, default: float | None) -> float | None:
    """A number from the environment ("none" for no limit), else the default."""
    text = os.environ.get(name, "").strip().lower()
    if not text:
        return default
    return None if text == "none" else float(text)


SLOTS = max(1, (os.cpu_count() or 2) // 2)  # leaves half the cores to the server
# The classroom policy of the app's manager; a teacher with a bigger machine may change each in the environment.
# seconds of training per job: 6 times the default comparison (15 networks: ~30 s on the 2 cores at light load,
# 95-115 s while four test suites shared them); a faster machine gets more done in it
BUDGET_S = _env_float("GRU_VIZ_JOB_BUDGET_S", 180.0)
MAX_WAIT_S = _env_float("GRU_VIZ_MAX_WAIT_S", 240.0)  # a new job must be able to start within about this
MAX_WAITING = int(_env_float("GRU_VIZ_MAX_WAITING", 30.0 * SLOTS) or 0) or None  # and at most this many wait
default_manager = JobManager(max_running=SLOTS, max_waiting=MAX_WAITING, max_wait_s=MAX_WAIT_S, budget_s=BUDGET_S,
                             gone_grace_s=_env_float("GRU_VIZ_GONE_GRACE_S", GONE_GRACE_S))


def submit(configs: TrainConfig | Sequence[TrainConfig], owner: Owner | None = None,
           analyse: Callable | None = None) -> TrainingJob:
    """Queue a job on the process-wide default manager, shared by every session of the app."""
    return default_manager.submit(configs, owner, analyse)
