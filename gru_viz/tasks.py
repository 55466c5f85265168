"""Seeded toy tasks that a GRU can only solve by remembering something (NumPy only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

RECALL_SYMBOLS = 4  # alphabet size of the delayed-recall task: chance accuracy is 1/4
FLIPFLOP_RATE = 0.1  # probability of a set/reset command at each step after the first
SINE_OMEGA = (0.1, 0.5)  # angular frequency range in radians per step: periods of 12.6 to 63 steps
SINE_NOISE = 0.1  # standard deviation of the Gaussian noise added to the observed wave


@dataclass(frozen=True)
class Batch:
    """One batch of a task: inputs, targets and the steps that matter."""

    x: np.ndarray  # (B, T, D) float32 inputs
    y: np.ndarray  # regression: (B, O) or (B, T, O) float32; classification: (B,) or (B, T) int64
    key: np.ndarray  # (B, T) bool, True at the steps a page should point at (see Task.key_steps)

    def __iter__(self):
        return iter((self.x, self.y, self.key))  # x, y, key = task.batch(...)


@dataclass(frozen=True)
class Task:
    """A toy sequence task: how to draw examples, how to score predictions, and the bar to beat."""

    name: str  # registry key, used on the command line
    title: str  # human-readable name for a page
    input_size: int  # D, channels per time step
    output_size: int  # O, regression outputs or classification classes
    kind: str  # "regression" (MSE, lower is better) or "classification" (accuracy, higher is better)
    metric: str  # "mse" or "accuracy"
    per_step: bool  # True: a target at every step; False: one target, read at the last step
    why: str  # two sentences on why the task needs memory
    inputs: tuple[str, ...]  # one label per input channel, for plots
    min_seq_len: int  # shortest sequence the task can be posed on
    constant_guess: float  # the best memoryless constant prediction (a class index for classification)
    _make: Callable[[np.random.Generator, int, int], tuple] = field(repr=False)  # (rng, B, T) -> x, y, key
    _baseline: Callable[[int], float] = field(repr=False)  # seq_len -> score of constant_guess
    _key_steps: Callable[[np.ndarray], np.ndarray] = field(repr=False)  # x (T, D) -> step indices

    @property
    def higher_is_better(self) -> bool:
        return self.metric == "accuracy"

    def baseline(self, seq_len: int) -> float:
        """Score of the best constant guess, which is all a model without memory can do."""
        self._check_seq_len(seq_len)
        return float(self._baseline(int(seq_len)))

    def batch(self, batch_size: int, seq_len: int, rng: np.random.Generator | int | None = None) -> Batch:
        """A batch of examples; rng is a Generator (advanced in place) or a seed."""
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._check_seq_len(seq_len)
        x, y, key = self._make(np.random.default_rng(rng), int(batch_size), int(seq_len))
        return Batch(x=x, y=y, key=key)

    def key_steps(self, x) -> np.ndarray:
        """Indices of the steps that matter in one example x (T, D), read from the inputs alone."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"x: expected one example of shape (T, {self.input_size}), got {x.shape}")
        return np.asarray(self._key_steps(x), dtype=np.int64)

    def score(self, prediction, y) -> float:
        """MSE of regression outputs, or accuracy of classification logits, against targets y."""
        prediction, y = np.asarray(prediction), np.asarray(y)
        if self.kind == "classification":
            if prediction.shape != y.shape + (self.output_size,):
                raise ValueError(f"logits: expected shape {y.shape + (self.output_size,)}, got {prediction.shape}")
            return float(np.mean(prediction.argmax(-1) == y))
        if prediction.shape != y.shape:
            raise ValueError(f"prediction: expected shape {y.shape}, got {prediction.shape}")
        return float(np.mean((prediction.astype(np.float64) - y) ** 2))

    def _check_seq_len(self, seq_len: int) -> None:
        if int(seq_len) < self.min_seq_len:
            raise ValueError(f"task {self.name!r} needs seq_len of at least {self.min_seq_len}, got {seq_len}")


# --- adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015) --------------------------------

def _adding(rng: np.random.Generator, B: int, T: int):
    x = np.zeros((B, T, 2), np.float32)  # (B, T, 2): value, marker
    x[:, :, 0] = rng.uniform(0.0, 1.0, (B, T))
    rows = np.arange(B)
    # one mark in each half, so the first one is on average 3T/4 steps before the answer
    first = rng.integers(0, T // 2, B)
    second = rng.integers(T // 2, T, B)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = (x[rows, first, 0] + x[rows, second, 0])[:, None]  # (B, 1)
    key = x[:, :, 1] > 0.5  # (B, T)
    return x, y.astype(np.float32), key


ADDING = Task(
    name="adding", title="Adding problem", input_size=2, output_size=1, kind="regression", metric="mse",
    per_step=False,
    why=("The answer is the sum of two numbers marked long before the last step, so the network must store "
         "each marked number when its mark arrives and ignore all the others. "
         "Without memory the best guess is the average sum, 1, which leaves a mean squared error of 1/6."),
    inputs=("value", "marker"), min_seq_len=2, constant_guess=1.0,
    _make=_adding,
    # Var(a + b) for independent a, b ~ U(0, 1) is 2 · 1/12, whatever T and the marked positions
    _baseline=lambda T: 2.0 / 12.0,
    _key_steps=lambda x: np.flatnonzero(x[:, 1] > 0.5),
)


# --- delayed recall ------------------------------------------------------------------------------

def _recall(rng: np.random.Generator, B: int, T: int):
    n = RECALL_SYMBOLS
    x = np.zeros((B, T, n + 2), np.float32)  # (B, T, n+2): one-hot symbol, "remember this", "answer now"
    symbols = rng.integers(0, n, (B, T - 1))  # (B, T-1): the first is the one to recall, the rest distract
    rows = np.arange(B)[:, None]
    x[rows, np.arange(T - 1)[None, :], symbols] = 1.0
    x[:, 0, n] = 1.0  # the flag says which symbol counts; without it the net must first learn to spot step 0
    x[:, T - 1, n + 1] = 1.0
    key = np.zeros((B, T), bool)
    key[:, [0, T - 1]] = True
    return x, symbols[:, 0].astype(np.int64), key


RECALL = Task(
    name="recall", title="Delayed recall", input_size=RECALL_SYMBOLS + 2, output_size=RECALL_SYMBOLS,
    kind="classification", metric="accuracy", per_step=False,
    why=("The network must name the first symbol of the sequence at the very end, after a gap filled with "
         "other symbols from the same alphabet. It has to store the flagged symbol and then refuse to "
         "overwrite it with the distractors, which is exactly what an update gate near 1 does."),
    inputs=tuple(f"symbol {i}" for i in range(RECALL_SYMBOLS)) + ("remember this", "answer now"), min_seq_len=2,
    constant_guess=0.0,
    _make=_recall,
    _baseline=lambda T: 1.0 / RECALL_SYMBOLS,  # the first symbol is uniform: any fixed answer is right 1/n of the time
    _key_steps=lambda x: np.flatnonzero((x[:, RECALL_SYMBOLS] > 0.5) | (x[:, RECALL_SYMBOLS + 1] > 0.5)),
)


# --- flip-flop (latch) ---------------------------------------------------------------------------

def _flipflop(rng: np.random.Generator, B: int, T: int):
    x = np.zeros((B, T, 2), np.float32)  # (B, T, 2): set, reset
    command = rng.random((B, T)) < FLIPFLOP_RATE
    command[:, 0] = True  # a command at step 0 makes the latch a fair coin at every step (see baseline)
    is_set = rng.random((B, T)) < 0.5
    x[:, :, 0] = command & is_set
    x[:, :, 1] = command & ~is_set
    # the output at step t is the last command at or before t: carry its index forward
    steps = np.where(command, np.arange(T)[None, :], 0)  # (B, T)
    last = np.maximum.accumulate(steps, axis=1)  # (B, T) index of the latest command
    y = np.take_along_axis(is_set, last, axis=1).astype(np.float32)[..., None]  # (B, T, 1)
    return x, y, command


FLIPFLOP = Task(
    name="flipflop", title="Flip-flop (latch)", input_size=2, output_size=1, kind="regression", metric="mse",
    per_step=True,
    why=("At every step the output must repeat the last command, set (1) or reset (0), but commands are rare "
         "and most steps carry no input at all. Between commands the only place the answer exists is the "
         "hidden state."),
    inputs=("set", "reset"), min_seq_len=1, constant_guess=0.5,
    _make=_flipflop,
    # step 0 always carries a fair set/reset, so every target is Bernoulli(1/2): best constant 0.5, MSE 1/4
    _baseline=lambda T: 0.25,
    _key_steps=lambda x: np.flatnonzero((x[:, 0] > 0.5) | (x[:, 1] > 0.5)),
)


# --- next-step prediction of a noisy sine --------------------------------------------------------

def _sine(rng: np.random.Generator, B: int, T: int):
    omega = rng.uniform(*SINE_OMEGA, (B, 1))  # (B, 1) each sequence has its own frequency...
    phase = rng.uniform(0.0, 2 * np.pi, (B, 1))  # ...and phase
    t = np.arange(T + 1)[None, :]  # (1, T+1)
    clean = np.sin(omega * t + phase)  # (B, T+1)
    x = (clean[:, :T] + SINE_NOISE * rng.standard_normal((B, T)))[..., None]  # (B, T, 1) what the GRU sees
    y = clean[:, 1:, None]  # (B, T, 1) the clean value one step ahead
    return x.astype(np.float32), y.astype(np.float32), np.zeros((B, T), bool)


SINE = Task(
    name="sine", title="Noisy sine, next step", input_size=1, output_size=1, kind="regression", metric="mse",
    per_step=True,
    why=("One noisy sample does not say whether the wave is rising or falling, nor how fast, and its noise "
         "hides the true value. The network has to keep a running estimate of phase and frequency from "
         "earlier steps to predict the clean value one step ahead."),
    inputs=("noisy wave",), min_seq_len=1, constant_guess=0.0,
    _make=_sine,
    # with a uniform phase, sin(ωt + φ) has mean 0 and variance 1/2 at every step: the best constant is 0
    _baseline=lambda T: 0.5,
    _key_steps=lambda x: np.zeros(0, np.int64),  # every step matters equally: nothing to single out
)


TASKS: dict[str, Task] = {task.name: task for task in (ADDING, RECALL, FLIPFLOP, SINE)}


def get_task(name: str) -> Task:
    """The task registered under name; ValueError listing the valid names otherwise."""
    try:
        return TASKS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}") from None
