"""Seeded toy tasks that a GRU can only solve by remembering something (NumPy only).

Each task also knows the best predictor WITHOUT memory, one that sees only the current input: its error is
the bar a network must beat to show that it remembers anything (see Task.no_memory_score).
"""

from __future__ import annotations

import functools
import math
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
    constant_guess: float  # the best constant prediction (a class index for classification)
    _make: Callable[[np.random.Generator, int, int], tuple] = field(repr=False)  # (rng, B, T) -> x, y, key
    _baseline: Callable[[int], float] = field(repr=False)  # seq_len -> expected score of the no-memory predictor
    _key_steps: Callable[[np.ndarray], np.ndarray] = field(repr=False)  # x (T, D) -> step indices
    # x (B, T, D) -> the best prediction from the current input alone: y's shape for regression, class
    # probabilities (..., O) for classification; None: the input alone says nothing, so constant_guess
    _no_memory: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    no_memory: str = ""  # one sentence: what the best guess without memory is for this task

    @property
    def higher_is_better(self) -> bool:
        return self.metric == "accuracy"

    def baseline(self, seq_len: int) -> float:
        """Expected score of the best predictor without memory (it sees only the current input), over all data."""
        self._check_seq_len(seq_len)
        return float(self._baseline(int(seq_len)))

    def no_memory_prediction(self, x) -> np.ndarray:
        """The best prediction from the current input alone for inputs x (B, T, D): see _no_memory."""
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"x: expected shape (B, T, {self.input_size}), got {x.shape}")
        if self._no_memory is not None:
            return np.asarray(self._no_memory(x))
        shape = (x.shape[0],) + ((x.shape[1],) if self.per_step else ())
        if self.kind == "classification":
            guess = np.zeros(shape + (self.output_size,))
            guess[..., int(self.constant_guess)] = 1.0
            return guess
        return np.full(shape + (self.output_size,), float(self.constant_guess))

    def no_memory_score(self, x, y) -> float:
        """Score of the best predictor without memory on the examples (x, y): the bar a network must beat there."""
        prediction = self.no_memory_prediction(x)
        if self.kind == "classification":
            return _expected_accuracy(prediction, np.asarray(y))
        return self.score(prediction, y)

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


def _expected_accuracy(probabilities: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of answering the most probable class, ties broken at random: its expected value, exactly."""
    p = np.asarray(probabilities, dtype=np.float64)  # (..., O)
    if p.shape[:-1] != y.shape:
        raise ValueError(f"probabilities: expected shape {y.shape + (p.shape[-1],)}, got {p.shape}")
    top = p >= p.max(axis=-1, keepdims=True) - 1e-12  # (..., O) the classes it might answer
    hit = np.take_along_axis(top, y[..., None].astype(np.int64), axis=-1)[..., 0]  # (...)
    return float(np.mean(hit / top.sum(axis=-1)))


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


def _adding_no_memory(x: np.ndarray) -> np.ndarray:
    # the last input alone: when it carries the second mark, y = a + (its value) with a ~ U(0, 1) unseen
    last = x[:, -1, :].astype(np.float64)  # (B, 2): value, marker
    return np.where(last[:, 1:] > 0.5, last[:, :1] + 0.5, 1.0)  # (B, 1)


def _adding_no_memory_mse(T: int) -> float:
    # the second mark lands on the last step with probability 1 / (T − T//2): then only a is unknown
    # (Var U(0, 1) = 1/12); otherwise both marked numbers are (Var(a + b) = 1/6)
    p = 1.0 / (T - T // 2)
    return p / 12.0 + (1.0 - p) / 6.0


ADDING = Task(
    name="adding", title="Adding problem", input_size=2, output_size=1, kind="regression", metric="mse",
    per_step=False,
    why=("The answer is the sum of two numbers marked long before the last step, so the network must store "
         "each marked number when its mark arrives and ignore all the others. "
         "Without memory the best guess is about the average sum, 1, which leaves a mean squared error near 1/6."),
    inputs=("value", "marker"), min_seq_len=2, constant_guess=1.0,
    _make=_adding,
    _baseline=_adding_no_memory_mse,
    _key_steps=lambda x: np.flatnonzero(x[:, 1] > 0.5),
    _no_memory=_adding_no_memory,
    no_memory=("the average sum, 1, unless the last step carries the second mark: then that step's number "
               "plus 0.5, the average of the first"),
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
    # the last input is "answer now" and nothing else, whatever the symbol: the first symbol is uniform, so
    # every answer is right 1/n of the time (and a uniform guess has cross-entropy ln n)
    _baseline=lambda T: 1.0 / RECALL_SYMBOLS,
    _key_steps=lambda x: np.flatnonzero((x[:, RECALL_SYMBOLS] > 0.5) | (x[:, RECALL_SYMBOLS + 1] > 0.5)),
    _no_memory=lambda x: np.full((x.shape[0], RECALL_SYMBOLS), 1.0 / RECALL_SYMBOLS),
    no_memory=f"a blind guess: the last step shows no symbol, so any answer is right one time in {RECALL_SYMBOLS}",
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
    # a command tells y exactly; without one, y is the last command, a fair coin: guess 0.5, error 1/4.
    # Step 0 always has a command, later steps with probability FLIPFLOP_RATE
    _baseline=lambda T: 0.25 * (1.0 - FLIPFLOP_RATE) * (T - 1) / T,
    _key_steps=lambda x: np.flatnonzero((x[:, 0] > 0.5) | (x[:, 1] > 0.5)),
    _no_memory=lambda x: np.where(x[..., :1] > 0.5, 1.0, np.where(x[..., 1:] > 0.5, 0.0, 0.5)),  # (B, T, 1)
    no_memory="1 right after a set, 0 right after a reset, and 0.5 at every step without a command",
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


_SINE_GRID = np.linspace(-2.0, 2.0, 4001)  # noisy samples lie within ±(1 + 10σ); beyond, the mean is flat


@functools.lru_cache(maxsize=1)
def _sine_no_memory_table() -> tuple[np.ndarray, float, float]:
    """E[sin θ | x] on _SINE_GRID, E[cos ω], and the expected MSE of the best prediction from x alone.

    With θ = ωt + φ uniform and ω independent of x, the next clean value sin(θ + ω) = sin θ cos ω + cos θ sin ω
    has E[· | x] = E[cos ω] · E[sin θ | x]: cos θ is +/− with equal odds whatever sin θ is. E[sin θ | x] is a
    one-dimensional integral over θ, done by the trapezoid rule (exponentially accurate for a periodic integrand).
    """
    theta = (np.arange(1024) + 0.5) * (2 * np.pi / 1024)  # (N,)
    s = np.sin(theta)
    w = np.exp(-((_SINE_GRID[:, None] - s[None, :]) ** 2) / (2 * SINE_NOISE**2))  # (G, N) likelihood of x given θ
    m = (w @ s) / w.sum(axis=1)  # (G,) E[sin θ | x]
    density = w.mean(axis=1) / (math.sqrt(2 * math.pi) * SINE_NOISE)  # (G,) p(x)
    cos_omega = (math.sin(SINE_OMEGA[1]) - math.sin(SINE_OMEGA[0])) / (SINE_OMEGA[1] - SINE_OMEGA[0])
    # the best predictor's MSE is E[y²] − E[prediction²], and E[y²] = 1/2
    mse = 0.5 - cos_omega**2 * float(np.trapezoid(m**2 * density, _SINE_GRID))
    return m, cos_omega, mse


def _sine_no_memory(x: np.ndarray) -> np.ndarray:
    m, cos_omega, _ = _sine_no_memory_table()
    return cos_omega * np.interp(x.astype(np.float64), _SINE_GRID, m)  # (B, T, 1)


SINE = Task(
    name="sine", title="Noisy sine, next step", input_size=1, output_size=1, kind="regression", metric="mse",
    per_step=True,
    why=("One noisy sample does not say whether the wave is rising or falling, nor how fast, and its noise "
         "hides the true value. The network has to keep a running estimate of phase and frequency from "
         "earlier steps to predict the clean value one step ahead."),
    inputs=("noisy wave",), min_seq_len=1, constant_guess=0.0,
    _make=_sine,
    _baseline=lambda T: _sine_no_memory_table()[2],
    _key_steps=lambda x: np.zeros(0, np.int64),  # every step matters equally: nothing to single out
    _no_memory=lambda x: _sine_no_memory(x),
    no_memory=("the expected next value given the current noisy sample alone, computed by numerical "
               "integration: roughly the sample itself, shrunk a little"),
)


TASKS: dict[str, Task] = {task.name: task for task in (ADDING, RECALL, FLIPFLOP, SINE)}


def get_task(name: str) -> Task:
    """The task registered under name; ValueError listing the valid names otherwise."""
    try:
        return TASKS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}") from None
