"""A trained GRU as the pages use it: weights, read-out, its task, snapshots and an example (NumPy only)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

import numpy as np

from gru_viz.core import GRUTrace, GRUWeights, run_gru
from gru_viz.tasks import get_task

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
                    stopped=result.stopped)
        snapshots = tuple((s.step, s.gru_weights()) for s in result.snapshots)
        return cls(weights=result.weights, task=result.config.task, seq_len=result.config.seq_len, metadata=meta,
                   readout_weight=result.readout_weight, readout_bias=result.readout_bias, snapshots=snapshots)

    @classmethod
    def from_file(cls, source) -> "TrainedModel":
        """From an .npz written by training.save_result (or GRUWeights.save); ValueError for anything else."""
        from gru_viz.training import load_model  # torch is only needed by training itself

        weights, readout_w, readout_b, meta = load_model(source)
        task = meta.get("task", "")
        if task:
            try:
                spec = get_task(task)
            except ValueError:
                raise ValueError(f"the file names an unknown task {str(task)[:40]!r}") from None
            if spec.input_size != weights.input_size:
                raise ValueError(f"the task {task!r} has {spec.input_size} input channels but the weights take "
                                 f"{weights.input_size}")
        seq_len = meta.get("seq_len", 50)
        shortest = get_task(task).min_seq_len if task else 1
        if not isinstance(seq_len, int) or not shortest <= seq_len <= 500:
            raise ValueError(f"seq_len in the file must be a whole number from {shortest} to 500, "
                             f"got {str(seq_len)[:20]}")
        return cls(weights=weights, task=task, seq_len=seq_len, metadata=meta,
                   readout_weight=readout_w, readout_bias=readout_b)
