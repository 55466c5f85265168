"""Train a one-layer GRU (or LSTM / RNN) on a toy task; progress comes out as a stream of plain events.

torch is imported inside the functions that need it, so a page (or the job manager) can build configs and
read events, results and saved models without loading torch into the server process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gru_viz.core import MAX_SIZE, GRUWeights, run_gru
from gru_viz.explain import GATES_PER_CELL, parameter_count  # noqa: F401  (parameter_count: part of this API)
from gru_viz.tasks import Task, get_task
from gru_viz.trained import EXAMPLE_SEED

if TYPE_CHECKING:
    import torch

CELLS = GATES_PER_CELL  # gate blocks stacked in weight_ih: it has blocks × H rows
DEVICES = ("auto", "cpu", "cuda", "mps")
VAL_SEED = 20240601  # the validation set is the same for every training seed, so runs compare fairly
MAX_SEQ_LEN = 10_000  # longer sequences only make the page wait
# sizes measured to beat each task's baseline by far within the steps on CPU (seeds 0-2, lr 1e-2, batch 64);
# recall sits on a plateau at chance for a few hundred steps before it suddenly jumps to 100 %
SUGGESTED = {
    "adding": {"seq_len": 100, "hidden_size": 32, "steps": 600},  # val MSE ≤ 0.006 by step 300
    "recall": {"seq_len": 20, "hidden_size": 64, "steps": 1000},  # accuracy 1.0 by step 400-700
    "flipflop": {"seq_len": 100, "hidden_size": 16, "steps": 400},  # val MSE < 0.001
    "sine": {"seq_len": 100, "hidden_size": 32, "steps": 400},  # val MSE ≈ 0.007
}


@dataclass
class TrainConfig:
    """Everything that decides a training run; the same config on CPU gives the same losses."""

    task: str = "adding"  # a key of gru_viz.tasks.TASKS
    seq_len: int = 100  # T, time steps per sequence
    hidden_size: int = 32  # H, units in the recurrent layer
    steps: int = 600  # optimizer steps (one batch each)
    batch_size: int = 64  # sequences per step
    lr: float = 1e-2  # Adam learning rate: 1e-2 solves adding at T=100 in ~300 steps, 1e-3 needs thousands
    seed: int = 0  # seeds the initial weights and the training batches
    device: str = "auto"  # "auto" (cuda if available, else cpu), "cpu", "cuda" or "mps" (only when asked)
    cell: str = "gru"  # "gru", "lstm" or "rnn"; only a GRU can be shown gate by gate
    clip: float = 1.0  # largest global gradient norm; long sequences produce occasional huge gradients
    eval_every: int = 50  # steps between validation runs
    n_snapshots: int = 20  # weight snapshots kept, evenly spaced from step 0 to the last step
    threads: int = 1  # torch CPU threads: 1 so one job cannot starve the app server
    log_every: int = 10  # steps between progress events (and loss syncs from the device)
    val_size: int = 512  # validation sequences, drawn once from VAL_SEED

    @classmethod
    def for_task(cls, task: str, **overrides) -> TrainConfig:
        """A config with the sizes suggested for task (see SUGGESTED), then any overrides."""
        get_task(task)
        return cls(task=task, **{**SUGGESTED.get(task, {}), **overrides})

    def validated(self) -> TrainConfig:
        """This config, checked; ValueError naming the first field that is out of range."""
        task = get_task(self.task)
        ints = {"seq_len": (task.min_seq_len, MAX_SEQ_LEN), "hidden_size": (1, MAX_SIZE), "steps": (1, 10**7),
                "batch_size": (1, 65_536), "eval_every": (1, 10**7), "n_snapshots": (2, 1000),
                "threads": (1, 1024), "log_every": (1, 10**7), "val_size": (1, 65_536), "seed": (0, 2**63 - 1)}
        for name, (low, high) in ints.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")
        for name in ("lr", "clip"):
            value = getattr(self, name)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not (number and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value!r}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {self.cell!r}")
        return replace(self)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Snapshot:
    """The parameters at one step, as float32 NumPy arrays in PyTorch's layout (G = 3 gates for a GRU)."""

    step: int  # optimizer steps taken when the snapshot was made
    weight_ih: np.ndarray  # (G·H, D)
    weight_hh: np.ndarray  # (G·H, H)
    bias_ih: np.ndarray  # (G·H,)
    bias_hh: np.ndarray  # (G·H,)
    readout_weight: np.ndarray  # (O, H)
    readout_bias: np.ndarray  # (O,)

    def gru_weights(self) -> GRUWeights:
        """These parameters in the core's notation (GRU snapshots only)."""
        return GRUWeights.from_pytorch_layout(self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


@dataclass
class History:
    """The learning curves: every step's training loss and every validation score."""

    loss: list[float] = field(default_factory=list)  # loss[i] is the training loss of step i + 1
    val_step: list[int] = field(default_factory=list)  # steps at which validation ran (0 = before training)
    val: list[float] = field(default_factory=list)  # validation metric at those steps


@dataclass
class TrainResult:
    """What a finished (or stopped) run produced."""

    config: TrainConfig
    params: Snapshot  # final parameters of any cell, PyTorch layout
    metric: str  # "mse" or "accuracy"
    value: float  # final validation metric
    baseline: float  # the same metric for the best predictor without memory, on the same validation set
    steps_done: int  # optimizer steps actually taken (fewer than config.steps when stopped)
    seconds: float  # wall time of the training loop
    device: str  # "cpu", "cuda" or "mps"
    stopped: bool  # True when stop() ended the run early
    history: History
    snapshots: list[Snapshot]  # about config.n_snapshots, evenly spaced over the steps taken
    numpy_vs_torch: float | None = None  # GRU: max |h_numpy − h_torch| on the example the pages show, measured here

    @property
    def weights(self) -> GRUWeights | None:
        """The trained GRU in the core's notation; None for lstm / rnn."""
        # built on access: a pickled result carries plain arrays, an unpickled one still gets read-only weights
        return self.params.gru_weights() if self.config.cell == "gru" else None

    @property
    def readout_weight(self) -> np.ndarray:
        return self.params.readout_weight  # (O, H)

    @property
    def readout_bias(self) -> np.ndarray:
        return self.params.readout_bias  # (O,)

    @property
    def task(self) -> Task:
        return get_task(self.config.task)


@dataclass(frozen=True)
class TrainEvent:
    """One progress report; the last event of a run has status "done", "stopped" or "error"."""

    status: str  # "running", or how the run ended: "done", "stopped", "error"
    step: int  # optimizer steps taken so far
    steps: int  # steps planned
    loss: float  # mean training loss over the steps since the previous event (nan at step 0)
    val_metric: float | None  # latest validation score, None if validation has not run yet
    baseline: float  # validation score of the best predictor without memory (current input only)
    metric: str  # "mse" (lower is better) or "accuracy" (higher is better)
    elapsed_s: float  # seconds since training started
    device: str  # where the run executes
    snapshot: Snapshot | None = None  # set on the ~n_snapshots events that carry weights
    result: TrainResult | None = None  # set on the final "done" / "stopped" event
    message: str = ""  # why the run ended, for "stopped" and "error"

    @property
    def finished(self) -> bool:
        return self.status != "running"


def resolve_device(name: str = "auto") -> str:
    """"auto" → "cuda" if available, else "cpu"; an explicit device that is missing is a ValueError."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device 'cuda' was asked for, but this torch ({torch.__version__}) sees no CUDA GPU")
        return "cuda"
    if name == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError("device 'mps' was asked for, but this machine has no Apple GPU that torch can use")
        return "mps"
    raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {name!r}")


def build_model(cell: str, input_size: int, hidden_size: int, output_size: int) -> torch.nn.ModuleDict:
    """A fused one-layer recurrent layer (batch_first) and a Linear read-out, with PyTorch's default init."""
    import torch

    layer = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[cell]
    return torch.nn.ModuleDict({"rnn": layer(input_size, hidden_size, batch_first=True),
                                "readout": torch.nn.Linear(hidden_size, output_size)})


def model_from_params(cell: str, params: Snapshot, device: str = "cpu") -> torch.nn.ModuleDict:
    """A model carrying exactly the parameters of a snapshot."""
    import torch

    G_H, D = params.weight_ih.shape
    model = build_model(cell, D, G_H // CELLS[cell], params.readout_weight.shape[0])
    values = {"rnn.weight_ih_l0": params.weight_ih, "rnn.weight_hh_l0": params.weight_hh,
              "rnn.bias_ih_l0": params.bias_ih, "rnn.bias_hh_l0": params.bias_hh,
              "readout.weight": params.readout_weight, "readout.bias": params.readout_bias}
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in values.items()})
    return model.to(device)


def forward(model, x: torch.Tensor, per_step: bool) -> torch.Tensor:
    """Read-out of every step (B, T, O) when per_step, else of the last step (B, O)."""
    states, _ = model["rnn"](x)  # (B, T, H)
    return model["readout"](states if per_step else states[:, -1])


def train(config: TrainConfig, stop: Callable[[], bool] | object | None = None) -> Iterator[TrainEvent]:
    """Check the config now (ValueError), then return a generator of TrainEvents that trains as it is iterated."""
    # stop: a callable returning True, or anything with is_set() (threading / multiprocessing Event), checked
    # before every step; closing the generator also ends the run. Bad configs fail here, not at the first next().
    if getattr(config, "task", None) == "text":  # the character-level model (gru_viz.text_training)
        from gru_viz.text_training import train_text

        return train_text(config, stop)
    config = config.validated()
    device = resolve_device(config.device)
    if stop is None:
        should_stop = _never
    elif callable(stop):
        should_stop = stop
    elif hasattr(stop, "is_set"):
        should_stop = stop.is_set
    else:
        raise ValueError(f"stop must be a callable or an Event, got {type(stop).__name__}")
    return _train(config, device, should_stop)


def _never() -> bool:
    return False


def disable_tf32() -> None:
    """Full float32 matmuls on NVIDIA GPUs, so trained GPU models match the NumPy core to 1e-5."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def _snapshot(model, step: int) -> Snapshot:
    def grab(p):
        return p.detach().to("cpu").float().numpy().copy()

    rnn, readout = model["rnn"], model["readout"]
    return Snapshot(step=step, weight_ih=grab(rnn.weight_ih_l0), weight_hh=grab(rnn.weight_hh_l0),
                    bias_ih=grab(rnn.bias_ih_l0), bias_hh=grab(rnn.bias_hh_l0),
                    readout_weight=grab(readout.weight), readout_bias=grab(readout.bias))


def _train(config: TrainConfig, device: str, should_stop: Callable[[], bool]) -> Iterator[TrainEvent]:
    import torch
    import torch.nn.functional as F

    task = get_task(config.task)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        disable_tf32()
        torch.manual_seed(config.seed)
        model = build_model(config.cell, task.input_size, config.hidden_size, task.output_size).to(device)
        params = list(model.parameters())
        optimizer = torch.optim.Adam(params, lr=config.lr)
        rng = np.random.default_rng([config.seed, 0])
        val = task.batch(config.val_size, config.seq_len, np.random.default_rng([VAL_SEED, 1]))
        x_val = torch.from_numpy(val.x).to(device)
        classify = task.kind == "classification"

        def evaluate() -> float:
            with torch.no_grad():
                out = forward(model, x_val, task.per_step)
            return task.score(out.float().cpu().numpy(), val.y)

        def loss_of(out, y):
            if classify:
                return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
            return F.mse_loss(out, y)

        # the bar to beat, on the same validation set as the score: the best prediction from the current input alone
        baseline = task.no_memory_score(val.x, val.y)
        snapshot_steps = set(np.linspace(0, config.steps, config.n_snapshots).round().astype(int).tolist())
        history = History()
        snapshots: list[Snapshot] = []
        pending: list[torch.Tensor] = []  # losses not yet copied off the device: one sync per event, not per step
        start = time.perf_counter()

        def event(status, step, loss, snapshot=None, result=None, message=""):
            return TrainEvent(status=status, step=step, steps=config.steps, loss=loss,
                              val_metric=history.val[-1] if history.val else None, baseline=baseline,
                              metric=task.metric, elapsed_s=time.perf_counter() - start, device=device,
                              snapshot=snapshot, result=result, message=message)

        def flush() -> list[float]:
            losses = torch.stack(pending).float().cpu().tolist() if pending else []
            pending.clear()
            history.loss.extend(losses)
            return losses

        def diverged(losses: list[float], step: int) -> TrainEvent | None:
            """The error event for the first non-finite loss among the latest steps, ending at step."""
            bad = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
            if bad is None:
                return None
            at = step - len(losses) + 1 + bad
            return event("error", at, losses[bad], message=(
                f"training stopped at step {at}: the loss became {losses[bad]}. "
                f"The learning rate ({config.lr:g}) is probably too high; try a smaller one."))

        def finish(step: int, stopped: bool, loss: float, message: str = "") -> TrainEvent:
            if not history.val_step or history.val_step[-1] != step:
                history.val_step.append(step)
                history.val.append(evaluate())
            if not snapshots or snapshots[-1].step != step:
                snapshots.append(_snapshot(model, step))
            final = snapshots[-1]
            result = TrainResult(
                config=config, params=final,
                metric=task.metric, value=history.val[-1], baseline=baseline, steps_done=step,
                seconds=time.perf_counter() - start, device=device, stopped=stopped, history=history,
                snapshots=_evenly(snapshots, config.n_snapshots))
            if config.cell == "gru":  # checked here, in the training process, so the app server never loads torch
                example = task.batch(1, config.seq_len, EXAMPLE_SEED).x[0]  # (T, D): the example every page shows
                result.numpy_vs_torch = numpy_matches_torch(result, example)
            return event("stopped" if stopped else "done", step, loss, final, result, message)

        history.val_step.append(0)
        history.val.append(evaluate())
        snapshots.append(_snapshot(model, 0))
        yield event("running", 0, math.nan, snapshots[-1])

        for step in range(1, config.steps + 1):
            if should_stop():
                losses = flush()
                failure = diverged(losses, step - 1)
                if failure is not None:
                    yield failure
                    return
                recent = losses or history.loss[-1:] or [math.nan]
                message = f"stopped after {step - 1} of {config.steps} steps"
                yield finish(step - 1, True, sum(recent) / len(recent), message)
                return
            b = task.batch(config.batch_size, config.seq_len, rng)
            x, y = torch.from_numpy(b.x).to(device), torch.from_numpy(b.y).to(device)
            loss = loss_of(forward(model, x, task.per_step), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, config.clip)
            optimizer.step()
            pending.append(loss.detach())

            last = step == config.steps
            snap = step in snapshot_steps
            evaluate_now = step % config.eval_every == 0 or last
            if not (last or snap or evaluate_now or step % config.log_every == 0):
                continue
            losses = flush()
            failure = diverged(losses, step)
            if failure is not None:
                yield failure
                return
            if last:
                yield finish(step, False, sum(losses) / len(losses))
                return
            if evaluate_now:
                history.val_step.append(step)
                history.val.append(evaluate())
            snapshot = None
            if snap:
                snapshot = _snapshot(model, step)
                snapshots.append(snapshot)
            yield event("running", step, sum(losses) / len(losses), snapshot)
    finally:
        torch.set_num_threads(threads_before)


def _evenly(snapshots: list[Snapshot], n: int) -> list[Snapshot]:
    """At most n snapshots spread evenly over those taken, always keeping the first and the last."""
    if len(snapshots) <= n:
        return list(snapshots)
    keep = np.linspace(0, len(snapshots) - 1, n).round().astype(int)
    return [snapshots[i] for i in sorted(set(keep.tolist()))]


def numpy_matches_torch(result: TrainResult, x, device: str | None = None) -> float:
    """Largest |h_numpy − h_torch| over x (B, T, D) or (T, D); torch runs on device (default: where it trained)."""
    import torch

    if result.weights is None:
        raise ValueError(f"only a GRU can be checked against the NumPy core, this model is a {result.config.cell}")
    x = np.asarray(x, dtype=np.float32)
    batched = x.ndim == 3
    device = resolve_device(device or result.device)
    disable_tf32()
    model = model_from_params("gru", result.params, device)
    with torch.no_grad():
        states, _ = model["rnn"](torch.from_numpy(x if batched else x[None]).to(device))  # (B, T, H)
    expected = states.cpu().numpy() if batched else states.cpu().numpy()[0]
    ours = run_gru(result.weights.astype(np.float32), x).h
    return float(np.max(np.abs(ours - expected)))


def save_result(result: TrainResult, path) -> Path:
    """Write a trained GRU as .npz (GRUWeights.save), the read-out and the run's facts in its JSON metadata."""
    if result.weights is None:
        raise ValueError(f"only GRU models can be saved for the app, this one is a {result.config.cell}")
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")  # np.savez would add it silently; say where it really went
    task, cfg = result.task, result.config
    result.weights.save(
        path, task=task.name, cell=cfg.cell, output_size=task.output_size, seq_len=cfg.seq_len, reset_after=True,
        per_step=task.per_step, kind=task.kind, steps=result.steps_done, metric=result.metric, value=result.value,
        baseline=result.baseline, seed=cfg.seed, lr=cfg.lr, batch_size=cfg.batch_size, stopped=result.stopped,
        # the read-out is small (O·H + O numbers) and load_with_metadata only accepts the GRU arrays
        readout_weight=result.readout_weight.tolist(), readout_bias=result.readout_bias.tolist())
    return path


def load_model(source, *, max_hidden: int = MAX_SIZE, max_input: int = MAX_SIZE
               ) -> tuple[GRUWeights, np.ndarray | None, np.ndarray | None, dict]:
    """(weights, readout_weight (O, H), readout_bias (O,), metadata) from a file save_result wrote."""
    # files without a read-out (plain GRUWeights.save) give None for both read-out arrays
    weights, meta = GRUWeights.load_with_metadata(source, max_hidden=max_hidden, max_input=max_input)
    if "readout_weight" not in meta and "readout_bias" not in meta:
        return weights, None, None, meta
    try:
        w = np.array(meta["readout_weight"], dtype=np.float32)
        b = np.array(meta["readout_bias"], dtype=np.float32)
    except (KeyError, TypeError, ValueError, OverflowError, RecursionError) as exc:
        raise ValueError(f"the read-out in the metadata is damaged: {type(exc).__name__}") from None
    H = weights.hidden_size
    if w.ndim != 2 or w.shape[1] != H or b.shape != (w.shape[0],) or w.shape[0] > MAX_SIZE:
        raise ValueError(f"read-out: expected weight (O, {H}) and bias (O,), got {w.shape} and {b.shape}")
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
        raise ValueError("read-out: contains NaN or infinite values")
    return weights, w, b, meta
