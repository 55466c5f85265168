"""A trained GRU as the pages use it: weights, read-out, its task, snapshots and an example (NumPy only)."""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import dataclass, field

import numpy as np

from gru_viz.core import GRUTrace, GRUWeights, run_gru
from gru_viz.tasks import TASKS, get_task

EXAMPLE_SEED = 7  # every page shows the same example of a task, so a class can talk about one picture


@dataclass(frozen=True)
class TrainedModel:
    """What a session keeps of a trained (or uploaded) GRU."""

    weights: GRUWeights
    task: str  # a key of gru_viz.tasks.TASKS, or "" when the file did not say
    seq_len: int  # T it was trained on
    metadata: dict = field(default_factory=dict)  # the run's facts: steps, metric, value, baseline, seed...
    readout_weight: np.ndarray | None = None  # (O, H)
    readout_bias: np.ndarray | None = None  # (O,)
    snapshots: tuple[tuple[int, GRUWeights], ...] = ()  # (training step, weights) as they were while learning

    @property
    def digest(self) -> str:
        """A short fingerprint of the weights, for cache keys and file names."""
        h = hashlib.sha1()
        for array in self.weights.to_pytorch_layout():
            h.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
        return h.hexdigest()[:12]

    @property
    def key(self) -> str:
        """A fingerprint of everything a page shows of this model: weights, task, seq_len, read-out, snapshots, facts.

        Shared caches are keyed on it: two models that differ in anything shown never share a figure."""
        h = hashlib.sha1()
        arrays = [*self.weights.to_pytorch_layout()]
        arrays += [a for a in (self.readout_weight, self.readout_bias) if a is not None]
        for step, weights in self.snapshots:
            h.update(f"snapshot {step};".encode())
            arrays += weights.to_pytorch_layout()
        for array in arrays:
            array = np.ascontiguousarray(array, dtype=np.float64)
            h.update(repr(array.shape).encode() + array.tobytes())
        facts = json.dumps({"task": self.task, "seq_len": self.seq_len, "metadata": self.metadata},
                           sort_keys=True, default=repr)
        h.update(facts.encode())
        return h.hexdigest()[:16]

    def example(self, seed: int = EXAMPLE_SEED) -> tuple[np.ndarray, np.ndarray]:
        """One example input of the task (T, D) and its key steps; zeros when the task is unknown."""
        if not self.task:
            return np.zeros((max(self.seq_len, 1), self.weights.input_size)), np.zeros(0, np.int64)
        task = get_task(self.task)
        x = task.batch(1, self.seq_len, seed).x[0]  # (T, D)
        return x, task.key_steps(x)

    def snapshot_traces(self, x: np.ndarray) -> list[tuple[str, GRUTrace]]:
        """The example run through the weights of every snapshot, labelled by training step."""
        return [(str(step), run_gru(weights, x)) for step, weights in self.snapshots]

    def to_bytes(self) -> bytes:
        """The model as an .npz (PyTorch layout, JSON metadata with the task and read-out; no pickles)."""
        meta = {**self.metadata, "task": self.task, "seq_len": self.seq_len}
        if self.readout_weight is not None:
            meta.update(readout_weight=np.asarray(self.readout_weight).tolist(),
                        readout_bias=np.asarray(self.readout_bias).tolist())
        buffer = io.BytesIO()
        self.weights.save(buffer, **meta)
        return buffer.getvalue()

    @classmethod
    def from_result(cls, result) -> "TrainedModel":
        """From a gru_viz.training.TrainResult of a GRU run."""
        if result.weights is None:
            raise ValueError(f"only a GRU can be shown gate by gate, this model is a {result.config.cell}")
        meta = dict(steps=result.steps_done, metric=result.metric, value=result.value, baseline=result.baseline,
                    seed=result.config.seed, lr=result.config.lr, device=result.device, seconds=result.seconds,
                    stopped=result.stopped, numpy_vs_torch=result.numpy_vs_torch)
        snapshots = tuple((s.step, s.gru_weights()) for s in result.snapshots)
        return cls(weights=result.weights, task=result.config.task, seq_len=result.config.seq_len, metadata=meta,
                   readout_weight=result.readout_weight, readout_bias=result.readout_bias, snapshots=snapshots)

    @classmethod
    def from_file(cls, source) -> "TrainedModel":
        """From an .npz written by training.save_result (or GRUWeights.save); ValueError for anything else.

        Only models the app itself could have trained are accepted (hidden size ≤ MAX_HIDDEN, the task's input
        size, seq_len ≤ MAX_SEQ_LEN), so showing one costs the server no more than showing its own.
        """
        from gru_viz.training import load_model  # torch is only needed by training itself

        weights, readout_w, readout_b, meta = load_model(source, max_hidden=MAX_HIDDEN, max_input=MAX_INPUT)
        task, seq_len, facts = check_metadata(meta, weights.input_size)
        spec = get_task(task)
        if readout_w is not None and readout_w.shape[0] != spec.output_size:
            raise ValueError(f"the read-out has {readout_w.shape[0]} outputs; the task {task!r} has "
                             f"{spec.output_size}")
        return cls(weights=weights, task=task, seq_len=seq_len, metadata=facts,
                   readout_weight=readout_w, readout_bias=readout_b)


MAX_HIDDEN = 64  # the Train page's largest hidden size: an uploaded model is never bigger than one trained here
MAX_SEQ_LEN = 200  # the Train page's longest sequence
MAX_INPUT = max(t.input_size for t in TASKS.values())  # no task has more input channels
DEVICES = ("cpu", "cuda", "mps")


def check_metadata(meta: dict, input_size: int) -> tuple[str, int, dict]:
    """(task, seq_len, the run's facts) from a file's metadata: every field a page reads, checked for type and range.

    Fields the app does not use are dropped, so nothing unchecked reaches a page; ValueError names the first bad one.
    """
    def whole(name, lo, hi):
        value = meta[name]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"metadata: {name} must be a whole number from {lo:,} to {hi:,}")
        return value

    def number(name, lo=-math.inf, hi=math.inf):
        value = meta[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                math.isfinite(value) and lo <= value <= hi):
            bounds = (f" from {lo:g} to {hi:g}" if math.isfinite(hi) else f" of at least {lo:g}" if math.isfinite(lo)
                      else "")
            raise ValueError(f"metadata: {name} must be a finite number{bounds}")
        return float(value)

    def one_of(name, choices):
        if meta[name] not in choices:
            raise ValueError(f"metadata: {name} must be one of {', '.join(map(str, choices))}")
        return meta[name]

    task = meta.get("task", "")
    if task == "":  # the pages show a model on an example of its task: without one there is nothing true to show
        raise ValueError("the file does not say which task the model was trained on (metadata 'task': one of "
                         + ", ".join(TASKS) + ")")
    if not isinstance(task, str) or task not in TASKS:
        raise ValueError("the file names an unknown task; this app knows " + ", ".join(TASKS))
    spec = TASKS[task]
    if spec.input_size != input_size:
        raise ValueError(f"the task {task!r} has {spec.input_size} input channels but the weights take {input_size}")
    seq_len = whole("seq_len", spec.min_seq_len, MAX_SEQ_LEN) if "seq_len" in meta else 50
    for name, value in (("cell", "gru"), ("format", "gru_viz"), ("version", 1)):
        if name in meta and meta[name] != value:
            raise ValueError(f"metadata: {name} must be {value!r}")
    for name, value in (("output_size", spec.output_size), ("per_step", spec.per_step), ("kind", spec.kind)):
        if name in meta and meta[name] != value:
            raise ValueError(f"metadata: {name} does not match the task {task!r}")

    facts = {}
    scored = [k for k in ("metric", "value", "baseline") if k in meta]
    if scored:
        if len(scored) < 3:
            raise ValueError("metadata: metric, value and baseline come together; this file has only "
                             + ", ".join(scored))
        metric = one_of("metric", (spec.metric,))
        low, high = (0.0, 1.0) if metric == "accuracy" else (0.0, math.inf)
        facts.update(metric=metric, value=number("value", low, high), baseline=number("baseline", low, high))
    checks = {"steps": lambda: whole("steps", 0, 10**7), "seed": lambda: whole("seed", 0, 2**63 - 1),
              "batch_size": lambda: whole("batch_size", 1, 65_536), "lr": lambda: number("lr", 1e-12, 1e3),
              "seconds": lambda: number("seconds", 0.0), "device": lambda: one_of("device", DEVICES),
              "stopped": lambda: one_of("stopped", (True, False))}
    facts.update({name: check() for name, check in checks.items() if name in meta})
    return task, seq_len, facts
