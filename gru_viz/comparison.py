"""GRU vs LSTM vs RNN on one task, and why gates keep memory: runs, summaries, verdicts, input influence.

Training goes through gru_viz.jobs (one TrainingJob per cell), so these runs queue with every other run
on the server. torch is imported inside the functions that need it (input_influence only).
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

from gru_viz.analysis import retention
from gru_viz.core import run_gru
from gru_viz.explain import parameter_count
from gru_viz.tasks import get_task
from gru_viz.trained import EXAMPLE_SEED
from gru_viz.training import Snapshot, TrainConfig, TrainResult

COMPARED = ("gru", "lstm", "rnn")
CELL_NAMES = {"gru": "GRU", "lstm": "LSTM", "rnn": "plain RNN"}
MEMORY_CELLS = ("gru", "rnn")
_run_ids = itertools.count(1)


def compare_configs(task: str, seq_len: int, hidden_size: int, steps: int, lr: float, seed: int,
                    cells=COMPARED) -> dict[str, TrainConfig]:
    """One validated config per cell, identical in everything else (ValueError for bad settings)."""
    # two snapshots: step 0 (the untrained network the run started from) and the end; every cell
    # gets the same seed, so the same batches in the same order
    base = TrainConfig(task=task, seq_len=seq_len, hidden_size=hidden_size, steps=steps, lr=lr, seed=seed,
                       n_snapshots=2).validated()
    for cell in cells:
        if cell not in COMPARED:
            raise ValueError(f"cell must be one of {', '.join(COMPARED)}, got {cell!r}")
    return {cell: replace(base, cell=cell) for cell in cells}


def settings_key(config: TrainConfig) -> str:
    """A short fingerprint of everything in a config but the cell: runs with equal keys are comparable."""
    settings = {k: v for k, v in config.as_dict().items() if k != "cell"}
    return hashlib.sha1(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:12]


def error_of(value: float, metric: str) -> float:
    """Lower is better for both metrics: MSE as it is, accuracy as the error rate."""
    return 1.0 - value if metric == "accuracy" else value


def loss_baseline(config: TrainConfig) -> float:
    """The training loss of the best memoryless constant guess: the MSE baseline, or ln(classes)."""
    task = get_task(config.task)
    if task.kind == "classification":
        return math.log(task.output_size)  # recall's symbols are uniform: the best constant is a uniform guess
    return task.baseline(config.seq_len)


@dataclass(frozen=True)
class Curve:
    """One cell's progress events as arrays: training loss and validation score against step and seconds."""

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
    """What a finished cell's run leaves behind: its result and its curve."""

    result: TrainResult
    curve: Curve
    startup_s: float  # process start to first event: interpreter, torch import, model

    @property
    def untrained(self) -> Snapshot:
        return self.result.snapshots[0]  # step 0: the same network before its first step


@dataclass(frozen=True)
class Row:
    """One line of the comparison table."""

    cell: str
    parameters: int
    steps: int  # steps taken
    seconds: float  # training loop, validation included
    ms_per_step: float
    metric: str
    value: float  # final validation metric
    baseline: float
    steps_to_half: int | None  # first validation step with at most half the no-memory error
    seconds_to_half: float | None


def summary(outcomes: dict[str, Outcome]) -> list[Row]:
    """One Row per cell, in the order given."""
    rows = []
    for cell, o in outcomes.items():
        r, task = o.result, o.result.task
        target = error_of(r.baseline, r.metric) / 2
        hit = [i for i, v in enumerate(o.curve.val) if error_of(v, r.metric) <= target and o.curve.val_step[i] > 0]
        parameters = parameter_count(cell, task.input_size, r.config.hidden_size, task.output_size)
        rows.append(Row(cell=cell, parameters=parameters, steps=r.steps_done,
                        seconds=r.seconds, ms_per_step=1000 * r.seconds / max(r.steps_done, 1), metric=r.metric,
                        value=r.value, baseline=r.baseline,
                        steps_to_half=int(o.curve.val_step[hit[0]]) if hit else None,
                        seconds_to_half=float(o.curve.val_seconds[hit[0]]) if hit else None))
    return rows


def table(rows: list[Row]) -> list[dict]:
    """The rows as records for a table, with headings a student can read, numbers already written out."""
    # text throughout: a column mixing numbers and "never" does not convert to a table cleanly
    return [{"cell": CELL_NAMES[r.cell], "parameters": f"{r.parameters:,}", "training time (s)": f"{r.seconds:.2f}",
             "time per step (ms)": f"{r.ms_per_step:.2f}",
             f"final validation {'MSE' if r.metric == 'mse' else r.metric}": f"{r.value:.3g}",
             "no-memory baseline": f"{r.baseline:.3g}",
             "steps to halve the error": "never" if r.steps_to_half is None else str(r.steps_to_half),
             "seconds to halve the error": "never" if r.seconds_to_half is None else f"{r.seconds_to_half:.2f}"}
            for r in rows]


def _names(rows: list[Row]) -> str:
    names = [CELL_NAMES[r.cell] for r in rows]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def verdict(rows: list[Row]) -> str:
    """What this one run shows, in plain words, including how little one run proves."""
    by_speed = sorted(rows, key=lambda r: r.ms_per_step)
    fast, others = by_speed[0], by_speed[1:]
    metric = rows[0].metric
    shown = "MSE" if metric == "mse" else metric
    slower = [f"{r.ms_per_step:.2f} ms for the {CELL_NAMES[r.cell]}" for r in others]
    slower = ", ".join(slower[:-1]) + " and " + slower[-1] if len(slower) > 1 else "".join(slower)
    parts = [f"Per training step the {CELL_NAMES[fast.cell]} was quickest ({fast.ms_per_step:.2f} ms, against "
             f"{slower})."]
    reached = sorted((r for r in rows if r.seconds_to_half is not None), key=lambda r: r.seconds_to_half)
    missed = [r for r in rows if r.seconds_to_half is None]
    steps = max(r.steps for r in rows)
    if reached:
        first = reached[0]
        text = (f"Against the clock, the {CELL_NAMES[first.cell]} was first to halve the no-memory error "
                f"(validation step {first.steps_to_half}, {first.seconds_to_half:.1f} s of training)")
        later = ", ".join(f"the {CELL_NAMES[r.cell]} ({r.seconds_to_half:.1f} s)" for r in reached[1:])
        text += f"; the {_names(missed)} never did in this run." if missed else f"; then {later}."
        parts.append(text)
    else:
        parts.append(f"None of the three halved the no-memory error{f' within {steps} steps' if steps else ''}: "
                     "train for more steps, or try a shorter sequence.")
    best = min(rows, key=lambda r: error_of(r.value, metric))
    parts.append(f"The best final validation {shown} was the {CELL_NAMES[best.cell]}'s ("
                 + ", ".join(f"{CELL_NAMES[r.cell]} {r.value:.4g}" for r in rows)
                 + f"; a network without memory scores {rows[0].baseline:.3g}).")
    cells = {r.cell: r for r in rows}
    if "gru" in cells and "lstm" in cells:
        gru, lstm = cells["gru"], cells["lstm"]
        if gru.seconds_to_half is not None and (lstm.seconds_to_half is None
                                                or gru.seconds_to_half < lstm.seconds_to_half):
            claim = "holds in this run: the GRU reached a useful model sooner than the LSTM"
        elif lstm.seconds_to_half is not None:
            claim = "does not hold in this run: the LSTM reached a useful model sooner than the GRU"
        else:
            claim = "cannot be judged from this run, because neither learned the task"
        parts.append(f"So the claim that a GRU trains faster than an LSTM {claim}. The GRU has "
                     f"{gru.parameters:,} parameters to the LSTM's {lstm.parameters:,} (three gate blocks "
                     f"instead of four), but time per step depends as much on how well PyTorch's kernels for "
                     f"each cell are tuned on this machine.")
    parts.append("One run with one seed on one task is weak evidence: try other seeds and tasks before "
                 "drawing a conclusion. On CPU the same settings give the same losses again; the times vary "
                 "with the machine's load.")
    return " ".join(parts)


class Run:
    """A set of training jobs, one per cell, with identical settings otherwise; keeps only results when done."""

    def __init__(self, configs: dict[str, TrainConfig], submit=None, previous: dict[str, float] | None = None):
        from gru_viz import jobs  # jobs starts processes: only needed once a run is really made

        submit = submit or jobs.submit
        keys = {settings_key(c) for c in configs.values()}
        if len(keys) != 1:
            raise ValueError("the configs of one run may differ only in their cell")
        self.id = next(_run_ids)
        self.settings = keys.pop()
        self.cells = tuple(configs)
        self.configs = dict(configs)
        self.previous = previous  # final metrics of the run this one repeats, to show that they match
        self.status = "running"  # running → done | error
        self.error = ""
        self.outcomes: dict[str, Outcome] = {}
        self.started_at = time.time()
        self.finished_at: float | None = None
        self._lock = threading.Lock()  # several sessions may watch one run
        self.jobs = {}
        try:
            for cell, config in configs.items():
                self.jobs[cell] = submit(config)
        except Exception:
            for job in self.jobs.values():
                job.stop()
            raise

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        return self.settings, self.cells

    @property
    def wall_s(self) -> float:
        """Seconds from submitting the jobs to the last result, queue and process starts included."""
        return (self.finished_at or time.time()) - self.started_at

    def poll(self) -> None:
        """Take in the jobs' news; once all are done keep their outcomes and drop the jobs (never blocks)."""
        with self._lock:
            if self.status != "running":
                return
            for job in self.jobs.values():
                job.poll()
            bad = [(cell, job) for cell, job in self.jobs.items() if job.finished and job.status != "done"]
            if bad:
                cell, job = bad[0]
                self.error = f"the {CELL_NAMES[cell]} run ended early: {job.error or job.message}"
                for other in self.jobs.values():
                    other.stop()
                self.status, self.finished_at, self.jobs = "error", time.time(), {}
            elif all(job.finished for job in self.jobs.values()):
                self.outcomes = {cell: Outcome(job.result, Curve.from_run(job.result, job.events),
                                         job.startup_s or 0.0)
                                 for cell, job in self.jobs.items()}
                self.status, self.finished_at, self.jobs = "done", time.time(), {}

    def progress(self) -> list[tuple[str, str, int, float, float]]:
        """(cell, status, queue position, fraction done, seconds of training) for each job still held."""
        with self._lock:
            out = []
            for cell, job in self.jobs.items():
                latest = job.latest
                out.append((cell, job.status, job.position, latest.step / latest.steps if latest else 0.0,
                            latest.elapsed_s if latest else 0.0))
            return out

    def final_values(self) -> dict[str, float]:
        return {cell: o.result.value for cell, o in self.outcomes.items()}


class RunStore:
    """The runs of this server, by settings and cells, so a page revisited with the same settings trains nothing."""

    def __init__(self, max_entries: int = 8):
        self.max_entries = max_entries
        self.started = 0  # runs ever started here (tests count them)
        self._runs: OrderedDict[tuple, Run] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> Run | None:
        with self._lock:
            return self._runs.get(key)

    def find(self, settings: str, cells) -> Run | None:
        """A run with these settings holding at least these cells: a finished one first, else one in progress."""
        with self._lock:
            runs = [r for r in reversed(self._runs.values()) if r.settings == settings and set(cells) <= set(r.cells)
                    and r.status != "error"]
        return next((r for r in runs if r.status == "done"), runs[0] if runs else None)

    def start(self, configs: dict[str, TrainConfig], submit=None) -> Run:
        """A fresh run, replacing any stored one with the same key."""
        first = next(iter(configs.values()))
        old = self.find(settings_key(first), tuple(configs))
        previous = ({c: v for c, v in old.final_values().items() if c in configs}
                    if old is not None and old.status == "done" else None)
        run = Run(configs, submit, previous)
        with self._lock:
            self.started += 1
            self._runs.pop(run.key, None)
            self._runs[run.key] = run
            while len(self._runs) > self.max_entries:  # forget finished runs before ones still training
                done = [k for k, r in self._runs.items() if r.status != "running"]
                del self._runs[done[0] if done else next(iter(self._runs))]
        return run

    def get_or_start(self, configs: dict[str, TrainConfig], submit=None) -> tuple[Run, bool]:
        """The stored run for these configs (and True), or a new one (and False); failed runs are retried."""
        first = next(iter(configs.values()))
        run = self.find(settings_key(first), tuple(configs))
        if run is not None:
            return run, True
        return self.start(configs, submit), False


# --- memory: how far back an input still moves the output ------------------------------------------

def input_influence(cell: str, params: Snapshot, x, output: int | None = None) -> np.ndarray:
    """|∂y/∂x_t| summed over input channels, for every step t: y is the read-out after the last step.

    For several outputs, y is the one the model picks for x (its largest logit) unless `output` says.
    """
    import torch

    from gru_viz.training import forward, model_from_params

    x = np.asarray(x, dtype=np.float64)
    D = params.weight_ih.shape[1]
    if x.ndim != 2 or x.shape[1] != D or x.shape[0] == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"x: expected finite numbers of shape (T, {D}) with T ≥ 1, got {x.shape}")
    # float64 so the gradient of a long sequence keeps its tiny values instead of rounding them to 0
    model = model_from_params(cell, params).double().requires_grad_(False)
    xt = torch.tensor(x[None], requires_grad=True)  # (1, T, D)
    out = forward(model, xt, per_step=False)[0]  # (O,) read-out after the last step
    k = (int(out.argmax()) if out.numel() > 1 else 0) if output is None else int(output)
    out[k].backward()
    return xt.grad[0].abs().sum(dim=1).numpy()  # (T,)


def memory_example(task: str, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """The example every page shows for this task: inputs (T, D) and its key steps."""
    spec = get_task(task)
    x = spec.batch(1, seq_len, EXAMPLE_SEED).x[0]  # (T, D)
    return x, spec.key_steps(x)


def influences(outcomes: dict[str, Outcome], x) -> dict[tuple[str, bool], np.ndarray]:
    """Influence over t (T,) per (cell, trained?) for each cell's network before and after training."""
    return {(cell, trained): input_influence(cell, o.result.params if trained else o.untrained, x)
            for cell, o in outcomes.items() for trained in (True, False)}


def gru_retention(params: Snapshot, x, start: int) -> np.ndarray:
    """Retention (T, H) of the state after step start − 1: the running product of u from step start on."""
    return retention(run_gru(params.gru_weights(), np.asarray(x, dtype=np.float64)).u, start)  # u: (T, H)


def _times(ratio: float) -> str:
    """A large ratio as a student reads it: 45 or about 10¹³."""
    if ratio < 1000:
        return f"{ratio:,.0f}"
    superscripts = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    return "about 10" + str(int(math.log10(ratio))).translate(superscripts)


def memory_summary(influence: dict[tuple[str, bool], np.ndarray], key_steps) -> str:
    """What the influence curves say about the earliest key input, trained GRU against trained RNN."""
    T = len(next(iter(influence.values())))
    k = int(key_steps[0]) if len(key_steps) else 0
    gru, rnn = influence[("gru", True)][k], influence[("rnn", True)][k]
    text = (f"The earliest key input, at step {k}, lies {T - 1 - k} steps before the output is read. After "
            f"training it moves the GRU's output by {gru:.2g} per unit of input and the plain RNN's by {rnn:.2g}")
    if rnn > 0 and gru / rnn >= 10:
        return text + (f", {_times(gru / rnn)} times less: the information survived the gap in the GRU and "
                       "faded away in the RNN.")
    if rnn == 0 and gru > 0:
        return text + ": in the RNN nothing of it arrives at all."
    return text + (". In this run the contrast is small: train longer, or make the gap longer, and compare again.")
