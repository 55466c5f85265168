"""Training runs in child processes, queued FIFO, so the app server's GIL is never held by training.

A page submits a TrainConfig, keeps the TrainingJob (e.g. in st.session_state) and calls job.poll() from a
fragment that reruns every second or so; poll() never blocks. Nothing here imports torch: only the children do.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
import os
import queue
import sys
import threading
import time
import types
import weakref

from gru_viz.training import Snapshot, TrainConfig, TrainEvent, TrainResult, train

STOP_GRACE_S = 3.0  # a stopped child has this long to send its result before it is terminated
KILL_GRACE_S = 1.0  # after terminate (SIGTERM), this long before kill (SIGKILL)
CHILD_NICENESS = 5  # children yield the CPU to the server when both want it
_CONTEXT = mp.get_context("spawn")  # never fork: the server is multi-threaded, and torch must not be forked
_ids = itertools.count(1)


def _child_main(config: TrainConfig, events, stop) -> None:
    """Entry point of the child process: run train() and send every event, as plain picklable data."""
    try:
        os.nice(CHILD_NICENESS)
    except (AttributeError, OSError):  # not on this platform, or not allowed
        pass
    try:
        for event in train(config, stop):  # torch is imported inside train(): in the child only
            events.put(event)
    except BaseException as exc:  # noqa: BLE001  anything at all: the parent must hear why, not find a corpse
        events.put(("crash", f"{type(exc).__name__}: {exc}"))


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
        self.events = _CONTEXT.Queue()  # child → parent: TrainEvent, or ("crash", message)
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


class TrainingJob:
    """One training run in its own process: status, events so far and, at the end, the result."""

    def __init__(self, config: TrainConfig, manager: JobManager):
        self.id = next(_ids)  # unique in this server process
        self.config = config  # validated
        self.status = "queued"  # queued → running → done | stopped | error (or queued → stopped)
        self.events: list[TrainEvent] = []  # every event received, oldest first
        self.snapshots: list[Snapshot] = []  # weights as they were during training, as they arrive
        self.latest: TrainEvent | None = None  # the newest event
        self.result: TrainResult | None = None  # set when the run is done, or stopped cleanly
        self.error = ""  # why the run failed, when status == "error"
        self.message = ""  # how the run ended, in words
        self.submitted_at = time.time()
        self.started_at: float | None = None  # when its process was started (time.time())
        self.finished_at: float | None = None
        self.startup_s: float | None = None  # process start → first event: interpreter, torch import, model
        self._manager = manager
        self._child = _Child()
        self._unread: list[TrainEvent] = []
        self._started_mono: float | None = None  # time.monotonic() at process start
        self._stop_mono: float | None = None  # when stop() was asked (or the last event came)
        # a job that is dropped (its session ended) must not leave a process behind
        self._finalizer = weakref.finalize(self, _Child.reap, self._child)

    def __repr__(self) -> str:
        return f"TrainingJob(id={self.id}, task={self.config.task!r}, status={self.status!r})"

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped", "error")

    @property
    def position(self) -> int:
        """1 for the next job to start, 2 for the one after, ...; 0 when not waiting."""
        return self._manager.position(self)

    @property
    def process_alive(self) -> bool:
        p = self._child.process
        return p is not None and not self._child.reaped and p.exitcode is None

    def poll(self) -> list[TrainEvent]:
        """The events that arrived since the last poll (never blocks); also starts queued jobs when slots free."""
        with self._manager._lock:
            self._manager.poll()
            unread, self._unread = self._unread, []
            return unread

    def stop(self, wait: float = 0.0) -> None:
        """Ask the run to end after its current step; wait up to `wait` s for it (a later poll() enforces it)."""
        with self._manager._lock:
            if self.status == "queued":
                self._end("stopped", "stopped before it started")
                self._finalizer.detach()
                self._child.release()
            elif not self.finished:
                self._child.stop.set()
                self._stop_mono = self._stop_mono or time.monotonic()
        deadline = time.monotonic() + wait
        while not self.finished and time.monotonic() < deadline:
            self.poll()
            time.sleep(0.02)

    def close(self) -> None:
        """End the job now: its process is stopped (terminated if it must be) and its queue released."""
        with self._manager._lock:
            self._finalizer.detach()
            for item in self._child.reap(wait=0.5):
                self._receive(item)
            if not self.finished:
                self._end("stopped", "closed")
            self._manager.poll()  # its slot may start the next job

    # --- driven by the manager, under its lock ----------------------------------------------------
    def _start(self) -> None:
        self._child.process = _CONTEXT.Process(target=_child_main, args=(self.config, self._child.events,
                                               self._child.stop), name=f"gru_viz-train-{self.id}", daemon=True)
        self._started_mono = time.monotonic()
        self.started_at = time.time()
        self.status = "running"
        try:
            with _main_hidden():
                self._child.process.start()
        except Exception as exc:  # noqa: BLE001  out of processes or memory: this job fails, the server goes on
            self._child.process = None
            self._end("error", f"could not start the training process: {type(exc).__name__}: {exc}")
            self._finalizer.detach()
            self._child.release()

    def _receive(self, item) -> None:
        if self.finished:
            return
        if isinstance(item, tuple):  # ("crash", message)
            self._end("error", f"training failed: {item[1]}")
            return
        if self.startup_s is None:
            self.startup_s = time.monotonic() - self._started_mono
        self.events.append(item)
        self._unread.append(item)
        self.latest = item
        if item.snapshot is not None and item.status == "running":
            self.snapshots.append(item.snapshot)
        if item.finished:
            self.result = item.result
            if item.result is not None:
                self.snapshots = list(item.result.snapshots)  # the final, evenly spaced set
            self._end(item.status, item.message or "finished")

    def _end(self, status: str, message: str) -> None:
        self.status, self.message = status, message
        if status == "error":
            self.error = message
        self.finished_at = time.time()
        self._stop_mono = self._stop_mono or time.monotonic()

    def _update(self) -> None:
        """Take in new events; reap a process that exited; end one that overstays a stop (or its last event)."""
        child = self._child
        for item in child.drain():
            self._receive(item)
        p = child.process
        if p is None or child.reaped:
            return
        if p.exitcode is not None:
            for item in child.drain():  # what it sent just before exiting
                self._receive(item)
            if not self.finished:
                if child.stop.is_set():
                    self._end("stopped", "the training process was terminated")
                else:
                    self._end("error", f"the training process ended unexpectedly (exit code {p.exitcode})")
            self._finalizer.detach()
            child.release()
        elif self._stop_mono is not None and time.monotonic() - self._stop_mono > STOP_GRACE_S:
            self._finalizer.detach()
            for item in child.reap():
                self._receive(item)
            if not self.finished:
                self._end("stopped", f"the training process did not stop within {STOP_GRACE_S:g} s and was ended")


class JobManager:
    """Runs at most max_running jobs at once; the rest wait, first in, first out."""

    def __init__(self, max_running: int = 1):
        if int(max_running) < 1:
            raise ValueError(f"max_running must be at least 1, got {max_running}")
        self.max_running = int(max_running)
        self._lock = threading.RLock()  # sessions poll from their own threads
        self._jobs: list[weakref.ref] = []  # weak: a job its page dropped is collected, and its child killed

    def submit(self, config: TrainConfig) -> TrainingJob:
        """Queue a run (ValueError for a bad config); it starts at once if a slot is free."""
        job = TrainingJob(config.validated(), self)
        with self._lock:
            self._jobs.append(weakref.ref(job))
            self.poll()
        return job

    def poll(self) -> None:
        """Collect events from the children, reap ended ones, start waiting jobs in free slots (never blocks)."""
        with self._lock:
            jobs = self.jobs
            for job in jobs:
                job._update()
            # keep what still needs us: jobs waiting to start, and processes not yet reaped
            jobs = [j for j in jobs if j.status == "queued" or (j._child.process is not None and not j._child.reaped)]
            self._jobs = [weakref.ref(j) for j in jobs]
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
        """Close every job (tests, server shutdown)."""
        for job in self.jobs:
            job.close()


default_manager = JobManager(max_running=max(1, (os.cpu_count() or 2) // 2))  # leaves half the cores to the server


def submit(config: TrainConfig) -> TrainingJob:
    """Queue a run on the process-wide default manager, shared by every session of the app."""
    return default_manager.submit(config)
