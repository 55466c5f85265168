"""GRU vs LSTM vs RNN over several seeds: the numbers a comparison rests on (NumPy only, no words).

The sentences built from these numbers live in gru_viz.verdicts; the runs themselves in gru_viz.runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gru_viz.explain import parameter_count
from gru_viz.runs import Outcome
from gru_viz.tasks import get_task
from gru_viz.training import TrainConfig


def error_of(value: float, metric: str) -> float:
    """Lower is better for both metrics: MSE as it is, accuracy as the error rate."""
    return 1.0 - value if metric == "accuracy" else value


def halves_the_error(value: float, baseline: float, metric: str) -> bool:
    """Whether a validation score has at most half the error of the best predictor without memory."""
    return error_of(value, metric) <= error_of(baseline, metric) / 2


def loss_baseline(config: TrainConfig) -> float:
    """The expected training loss of the best predictor without memory: cross-entropy for recall, else MSE."""
    task = get_task(config.task)
    if task.kind == "classification":
        # recall's last input shows no symbol and the symbols are uniform: the best guess is uniform, ln n
        return math.log(task.output_size)
    return task.baseline(config.seq_len)  # over random batches, as the training loss is


def halving(outcome: Outcome) -> tuple[int, float] | None:
    """(step, seconds) of the first validation after step 0 with at most half the no-memory error, or None."""
    r, curve = outcome.result, outcome.curve
    for step, value, seconds in zip(curve.val_step, curve.val, curve.val_seconds):
        if step > 0 and halves_the_error(value, r.baseline, r.metric):
            return int(step), float(seconds)
    return None


@dataclass(frozen=True)
class CellRuns:
    """One cell's networks, one per seed, reduced to the numbers that the table and the verdict use."""

    cell: str
    parameters: int
    metric: str  # "mse" or "accuracy"
    baseline: float  # validation score of the best predictor without memory (the same for every seed)
    seeds: tuple[int, ...]
    steps: tuple[int, ...]  # steps taken, per seed
    values: tuple[float, ...]  # final validation metric, per seed
    ms_per_step: tuple[float, ...]  # training loop time per step, validation included, per seed
    steps_to_half: tuple[int | None, ...]  # first validation step with half the no-memory error; None: never
    seconds_to_half: tuple[float | None, ...]  # seconds of training there

    @property
    def errors(self) -> np.ndarray:
        """Final error per seed (MSE, or 1 − accuracy): lower is better."""
        return np.array([error_of(v, self.metric) for v in self.values])

    @property
    def baseline_error(self) -> float:
        return error_of(self.baseline, self.metric)

    @property
    def halved(self) -> int:
        """Seeds in which the cell halved the no-memory error."""
        return sum(s is not None for s in self.steps_to_half)


def summarise(outcomes: dict[tuple[str, int], Outcome]) -> list[CellRuns]:
    """One CellRuns per cell, cells in the order first given, seeds in order."""
    cells = list(dict.fromkeys(cell for cell, _ in outcomes))
    out = []
    for cell in cells:
        mine = sorted(((seed, o) for (c, seed), o in outcomes.items() if c == cell), key=lambda so: so[0])
        first = mine[0][1].result
        task = first.task
        halves = [halving(o) for _, o in mine]
        out.append(CellRuns(
            cell=cell, parameters=parameter_count(cell, task.input_size, first.config.hidden_size, task.output_size),
            metric=first.metric, baseline=first.baseline, seeds=tuple(s for s, _ in mine),
            steps=tuple(o.result.steps_done for _, o in mine), values=tuple(o.result.value for _, o in mine),
            ms_per_step=tuple(1000 * o.result.seconds / max(o.result.steps_done, 1) for _, o in mine),
            steps_to_half=tuple(h[0] if h else None for h in halves),
            seconds_to_half=tuple(h[1] if h else None for h in halves)))
    return out


@dataclass(frozen=True)
class Spread:
    """One cell's training loss over its seeds at each logged step: median and range, against step and seconds."""

    step: np.ndarray  # (n,) logged steps common to every seed
    seconds: np.ndarray  # (n,) median seconds of training at that step
    median: np.ndarray  # (n,) median loss
    low: np.ndarray  # (n,) smallest loss of any seed
    high: np.ndarray  # (n,) largest


def spread(outcomes: list[Outcome]) -> Spread:
    """The loss curves of one cell's seeds, reduced to median and range at the steps they all logged."""
    curves = [o.curve for o in outcomes]
    common = sorted(set.intersection(*(set(c.step.tolist()) for c in curves))) if curves else []
    loss = np.array([[c.loss[np.searchsorted(c.step, s)] for s in common] for c in curves])  # (seeds, n)
    seconds = np.array([[c.seconds[np.searchsorted(c.step, s)] for s in common] for c in curves])  # (seeds, n)
    if not common:
        empty = np.zeros(0)
        return Spread(empty, empty, empty, empty, empty)
    return Spread(step=np.array(common), seconds=np.median(seconds, axis=0), median=np.median(loss, axis=0),
                  low=loss.min(axis=0), high=loss.max(axis=0))


def spreads(outcomes: dict[tuple[str, int], Outcome]) -> dict[str, Spread]:
    """spread() for every cell of a run."""
    cells = dict.fromkeys(cell for cell, _ in outcomes)
    return {cell: spread([o for (c, _), o in sorted(outcomes.items(), key=lambda kv: kv[0][1]) if c == cell])
            for cell in cells}
