"""Runs that train several cells over several seeds with otherwise equal settings, and the store that shares them.

A Run is ONE job of the queue (gru_viz.jobs): its networks train one after another in one child process,
interleaved by seed (GRU, LSTM, RNN with seed 0, then with seed 1, ...) so that a change in the machine's load
falls on every cell alike. Nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from gru_viz.memory import child_analysis
from gru_viz.training import Snapshot, TrainConfig, TrainResult

COMPARED = ("gru", "lstm", "rnn")
_run_ids = itertools.count(1)

Part = tuple[str, int]  # (cell, seed)


def compare_configs(task: str, seq_len: int, hidden_size: int, steps: int, lr: float, seed: int,
                    cells=COMPARED, seeds: int = 1) -> dict[Part, TrainConfig]:
    """One validated config per (cell, seed), seeds seed … seed + seeds − 1, identical in everything else."""
    # two snapshots: step 0 (the untrained network the run started from) and the end; a seed gives every
    # cell the same batches in the same order
    base = TrainConfig(task=task, seq_len=seq_len, hidden_size=hidden_size, steps=steps, lr=lr, seed=seed,
                       n_snapshots=2).validated()
    for cell in cells:
        if cell not in COMPARED:
            raise ValueError(f"cell must be one of {', '.join(COMPARED)}, got {cell!r}")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= 100:
        raise ValueError(f"seeds must be a whole number from 1 to 100, got {seeds!r}")
    return {(cell, s): replace(base, cell=cell, seed=s).validated()
            for s in range(seed, seed + seeds) for cell in cells}


def settings_key(config: TrainConfig) -> str:
    """A short fingerprint of everything in a config but the cell and the seed: equal keys are comparable."""
    settings = {k: v for k, v in config.as_dict().items() if k not in ("cell", "seed")}
    return hashlib.sha1(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Curve:
    """One network's progress events as arrays: training loss and validation score against step and seconds."""

    step: np.ndarray  # (n,) steps of the events after step 0
    loss: np.ndarray  # (n,) mean training loss since the previous event
    seconds: np.ndarray  # (n,) wall-clock seconds of the training loop at that step
    val_step: np.ndarray  # (m,) steps where validation ran, 0 first
    val: np.ndarray  # (m,) validation metric there
    val_seconds: np.ndarray  # (m,) seconds there

    @classmethod
    def from_run(cls, result: TrainResult, events) -> Curve:
        """From a finished run's result and its TrainEvents, oldest first."""
        trained = [e for e in events if e.step > 0 and math.isfinite(e.loss)]
        at = {e.step: e.elapsed_s for e in events}  # every validation step sends an event right after it
        val_step = np.array(result.history.val_step)
        return cls(step=np.array([e.step for e in trained]), loss=np.array([e.loss for e in trained]),
                   seconds=np.array([e.elapsed_s for e in trained]), val_step=val_step,
                   val=np.array(result.history.val), val_seconds=np.array([at.get(int(s), np.nan) for s in val_step]))


@dataclass(frozen=True)
class Outcome:
    """What one finished network leaves behind: its result, its curve and what the child measured on it."""

    result: TrainResult
    curve: Curve
    startup_s: float  # process start to first event: interpreter, torch import, model
    influence: dict | None = None  # memory.child_analysis: "trained" and "untrained" (T,) arrays, or None

    @property
    def untrained(self) -> Snapshot:
        return self.result.snapshots[0]  # step 0: the same network before its first step


@dataclass(frozen=True)
class Progress:
    """Where a run stands, for a progress bar."""

    status: str  # the job's: "queued" or "running"
    position: int  # place in the queue, 0 when not waiting
    wait_s: float  # estimated seconds before it starts (queued)
    fraction: float  # steps done of all steps, 0 to 1
    part: int  # networks finished
    parts: int  # networks in the run
    current: Part  # the network training now
    seconds: float  # seconds that network has trained


class Run:
    """One queued job that trains every (cell, seed) of a comparison; keeps only the outcomes when done."""

    def __init__(self, configs: dict[Part, TrainConfig], owner=None, submit=None,
                 previous: dict[Part, float] | None = None):
        from gru_viz import jobs  # jobs starts processes: only needed once a run is really made

        submit = submit or jobs.submit
        keys = {settings_key(c) for c in configs.values()}
        if len(keys) != 1:
            raise ValueError("the configs of one run may differ only in their cell and seed")
        self.id = next(_run_ids)
        self.settings = keys.pop()
        self.parts = tuple(configs)
        self.configs = dict(configs)
        self.cells = tuple(dict.fromkeys(cell for cell, _ in self.parts))
        self.seeds = tuple(dict.fromkeys(seed for _, seed in self.parts))
        self.previous = previous  # final metrics of the run this one repeats, to show that they match
        self.status = "running"  # running → done | error
        self.error = ""  # how it ended early, as the queue said it
        self.failed: Part | None = None  # the network that failed, when one did
        self.outcomes: dict[Part, Outcome] = {}
        self.started_at = time.time()
        self.finished_at: float | None = None
        self._lock = threading.Lock()  # several sessions may watch one run
        self.job = submit(list(configs.values()), owner=owner, analyse=child_analysis)  # may raise QueueFull

    def __repr__(self) -> str:
        return f"Run(id={self.id}, cells={self.cells}, seeds={self.seeds}, status={self.status!r})"

    @property
    def wall_s(self) -> float:
        """Seconds from submitting the job to the last result, queue and process start included."""
        return (self.finished_at or time.time()) - self.started_at

    def poll(self) -> None:
        """Take in the job's news; once it is done keep the outcomes and drop the job (never blocks)."""
        with self._lock:
            if self.status != "running":
                return
            job = self.job
            job.poll()
            failed = [(key, part) for key, part in zip(self.parts, job.parts) if part.status == "error"]
            if failed:
                self.failed = failed[0][0]
                self._end("error", failed[0][1].message)
                job.stop()
            elif job.finished and job.status != "done":
                self._end("error", job.error or job.message)
            elif job.finished:
                self.outcomes = {key: Outcome(part.result, Curve.from_run(part.result, part.events),
                                              job.startup_s or 0.0, part.extra)
                                 for key, part in zip(self.parts, job.parts)}
                self._end("done", "")

    def _end(self, status: str, error: str) -> None:
        self.status, self.error, self.finished_at = status, error, time.time()
        self.job = None  # the job, its events and its process handle go; the outcomes stay

    def progress(self) -> Progress | None:
        """Where the run stands while it trains; None once it has ended."""
        with self._lock:
            job = self.job
            if job is None:
                return None
            k = job.current_part
            latest = job.parts[k].latest
            return Progress(status=job.status, position=job.position,
                            wait_s=job.wait_s,
                            fraction=job.steps_done / max(job.steps_total, 1),
                            part=sum(p.finished for p in job.parts), parts=len(job.parts), current=self.parts[k],
                            seconds=latest.elapsed_s if latest is not None else 0.0)

    def watch(self, owner) -> None:
        """Keep the run training while this owner (another session) looks at it."""
        job = self.job
        if job is not None and owner is not None:
            job.watch(owner)

    def unwatch(self, owner) -> None:
        job = self.job
        if job is not None and owner is not None:
            job.unwatch(owner)

    def final_values(self) -> dict[Part, float]:
        return {key: o.result.value for key, o in self.outcomes.items()}


class RunStore:
    """The runs of this server, by settings and parts, so a page revisited with the same settings trains nothing."""

    def __init__(self, max_entries: int = 8):
        self.max_entries = max_entries
        self.started = 0  # runs ever started here (tests count them)
        self._runs: OrderedDict[tuple, Run] = OrderedDict()
        self._lock = threading.Lock()

    def find(self, settings: str, parts) -> Run | None:
        """A run with these settings holding at least these parts: a finished one first, else one in progress."""
        with self._lock:
            runs = [r for r in reversed(self._runs.values()) if r.settings == settings
                    and set(parts) <= set(r.parts) and r.status != "error"]
        return next((r for r in runs if r.status == "done"), runs[0] if runs else None)

    def start(self, configs: dict[Part, TrainConfig], owner=None, submit=None) -> Run:
        """A fresh run, replacing any stored one with the same parts (QueueFull when the queue cannot take it)."""
        first = next(iter(configs.values()))
        old = self.find(settings_key(first), tuple(configs))
        previous = ({k: v for k, v in old.final_values().items() if k in configs}
                    if old is not None and old.status == "done" else None)
        run = Run(configs, owner, submit, previous)
        key = (run.settings, run.parts)
        with self._lock:
            self.started += 1
            self._runs.pop(key, None)
            self._runs[key] = run
            while len(self._runs) > self.max_entries:  # forget finished runs before ones still training
                done = [k for k, r in self._runs.items() if r.status != "running"]
                del self._runs[done[0] if done else next(iter(self._runs))]
        return run

    def get_or_start(self, configs: dict[Part, TrainConfig], owner=None, submit=None) -> tuple[Run, bool]:
        """The stored run for these configs (and True), or a new one (and False); failed runs are retried."""
        first = next(iter(configs.values()))
        run = self.find(settings_key(first), tuple(configs))
        if run is not None:
            return run, True
        return self.start(configs, owner, submit), False
