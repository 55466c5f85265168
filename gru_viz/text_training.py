"""Train the character-level GRU (embedding → nn.GRU → next character) on standard-library source code.

gru_viz.training.train hands a TextConfig to train_text, so the CLI and the job queue run it like any other
task; progress comes out as the same TrainEvents, with the metric "bpc" (bits per character, lower is better).
Training reads the text as batch_size parallel streams, seq_len characters a step, carrying the state from one
chunk to the next (truncated backpropagation through time), as char-rnn did. torch is imported inside functions.
"""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace

import numpy as np

from gru_viz.charmodel import LN2, CharModel
from gru_viz.core import GRUWeights, run_gru
from gru_viz.text import MAX_TRAIN_CHARS, V, Corpus, encode, held_out_corpus, machine_name, training_corpus
from gru_viz.training import DEVICES, History, TrainEvent, disable_tf32, resolve_device
from gru_viz.units import chance_untrained

TEXT_TASK = "text"
MAX_HIDDEN = 256  # the app server runs every trained model in NumPy over the held-out text: keep that quick
MAX_EMBED = 64


@dataclass
class TextConfig:
    """Everything that decides a character-model run; the same config on CPU gives the same model."""

    task: str = TEXT_TASK  # always "text": how the CLI, the queue and gru_viz.training.train tell it apart
    hidden_size: int = 128  # H, units of the GRU
    embed_size: int = 32  # E, length of each character's learned vector, the GRU's input x_t
    seq_len: int = 128  # characters per step and stream (truncated backpropagation through time)
    batch_size: int = 32  # parallel streams through the training text
    steps: int = 3000  # optimizer steps
    lr: float = 3e-3  # Adam learning rate
    seed: int = 0  # initial weights and the streams' starting points
    device: str = "auto"  # "auto" (cuda if available, else cpu), "cpu", "cuda" or "mps"
    cell: str = "gru"  # only a GRU: the app shows its gates
    clip: float = 1.0  # largest global gradient norm
    eval_every: int = 250  # steps between held-out evaluations
    log_every: int = 10  # steps between progress events
    threads: int = 1  # torch CPU threads: 1 so one job cannot starve the app server
    train_chars: int = MAX_TRAIN_CHARS  # use at most this many characters of the training text
    stdlib: str = ""  # the standard-library folder to read; "" = the running Python's

    def validated(self) -> TextConfig:
        """This config, checked; ValueError naming the first field that is out of range."""
        ints = {"hidden_size": (1, MAX_HIDDEN), "embed_size": (1, MAX_EMBED), "seq_len": (2, 2048),
                "batch_size": (1, 1024), "steps": (1, 10**6), "seed": (0, 2**63 - 1), "eval_every": (1, 10**6),
                "log_every": (1, 10**6), "threads": (1, 1024), "train_chars": (1000, MAX_TRAIN_CHARS)}
        for name, (low, high) in ints.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")
        for name in ("lr", "clip"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                    math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value!r}")
        if self.task != TEXT_TASK:
            raise ValueError(f"task must be {TEXT_TASK!r} for a TextConfig, got {self.task!r}")
        if self.cell != "gru":
            raise ValueError(f"the text model is a GRU, got cell {self.cell!r}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        if not isinstance(self.stdlib, str):
            raise ValueError(f"stdlib must be a folder name, got {self.stdlib!r}")
        return replace(self)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class TextResult:
    """What a finished (or stopped) character-model run produced."""

    config: TextConfig
    model: CharModel  # the trained parameters, NumPy, with the run's facts in model.metadata
    metric: str  # "bpc"
    value: float  # bits per character on the held-out text
    baseline: float  # bits per character of the best memoryless guess: the training text's letter frequencies
    steps_done: int
    seconds: float  # wall time of the training loop
    device: str
    stopped: bool
    history: History
    snapshots: list = field(default_factory=list)  # none: the job queue expects the attribute

    @property
    def weights(self) -> GRUWeights:
        return self.model.weights


def unigram_bits(train_codes: np.ndarray, held_codes: np.ndarray) -> float:
    """Bits per character on held-out text of the best guess that ignores context: training letter frequencies."""
    counts = np.bincount(train_codes, minlength=V).astype(np.float64) + 1.0  # +1: no character is impossible
    log_p = np.log2(counts / counts.sum())
    return float(-log_p[held_codes[1:]].mean())  # the same T−1 predictions as the model is scored on


def train_text(config: TextConfig, stop: Callable[[], bool] | object | None = None,
               texts: tuple[str, str] | None = None) -> Iterator[TrainEvent]:
    """Check the config now (ValueError), then a generator of TrainEvents that trains as it is iterated.

    texts: (training text, held-out text) to use instead of the standard library (tests plant features in it)."""
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
    if texts is None:
        root = config.stdlib or None
        train_text_, held_text = training_corpus(root).text, held_out_corpus(root).text
    else:
        train_text_, held_text = texts
    train_codes = encode(train_text_[: config.train_chars])
    held_codes = encode(held_text)
    if len(train_codes) < config.batch_size * (config.seq_len + 1) or len(held_codes) < 2:
        raise ValueError(f"the text is too short: {len(train_codes)} training characters cannot fill "
                         f"{config.batch_size} streams of {config.seq_len + 1}")
    return _train(config, device, should_stop, train_codes, held_codes, held_text)


def _never() -> bool:
    return False


def _train(config: TextConfig, device: str, should_stop, train_codes: np.ndarray, held_codes: np.ndarray,
           held_text: str) -> Iterator[TrainEvent]:
    import torch
    import torch.nn.functional as F

    threads_before = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        disable_tf32()
        torch.manual_seed(config.seed)
        H, E, B, T = config.hidden_size, config.embed_size, config.batch_size, config.seq_len
        model = torch.nn.ModuleDict({"embedding": torch.nn.Embedding(V, E),
                                     "rnn": torch.nn.GRU(E, H, batch_first=True),
                                     "readout": torch.nn.Linear(H, V)}).to(device)
        params = list(model.parameters())
        optimizer = torch.optim.Adam(params, lr=config.lr)
        rng = np.random.default_rng([config.seed, 0])
        data = torch.from_numpy(train_codes.astype(np.int64))  # (N,)
        held = torch.from_numpy(held_codes.astype(np.int64)).to(device)  # (T_held,)
        N = len(data)
        stream_len = N // B  # each of the B streams reads its own stretch of the text
        chunks = max(1, (stream_len - 1) // T)  # steps per pass through the text
        baseline = unigram_bits(train_codes, held_codes)
        history = History()
        start = time.perf_counter()

        def evaluate() -> float:
            with torch.no_grad():
                states, _ = model["rnn"](model["embedding"](held[None]))  # (1, T_held, H)
                logits = model["readout"](states[0, :-1])  # (T_held − 1, V)
                return float(F.cross_entropy(logits, held[1:])) / LN2

        def event(status, step, loss, result=None, message=""):
            return TrainEvent(status=status, step=step, steps=config.steps, loss=loss,
                              val_metric=history.val[-1] if history.val else None, baseline=baseline,
                              metric="bpc", elapsed_s=time.perf_counter() - start, device=device,
                              result=result, message=message)

        def finish(step: int, stopped: bool, loss: float, message: str = "") -> TrainEvent:
            if not history.val_step or history.val_step[-1] != step:
                history.val_step.append(step)
                history.val.append(evaluate())
            seconds = time.perf_counter() - start
            char_model = _to_numpy(model)
            x = char_model.embedding[held_codes]  # (T_held, E)
            with torch.no_grad():
                expected, _ = model["rnn"](torch.from_numpy(x).to(device)[None])  # (1, T_held, H)
            diff = float(np.max(np.abs(run_gru(char_model.weights, x).h - expected[0].cpu().numpy())))
            meta = {"task": TEXT_TASK, "config": config.as_dict(), "metric": "bpc", "value": history.val[-1],
                    "baseline": baseline, "steps": step, "seconds": round(seconds, 2), "device": device,
                    "machine": {"cpu": machine_name, "cuda": torch.cuda.get_device_name}.get(device, lambda: device)(),
                    "stopped": stopped, "numpy_vs_torch_max_abs_h": diff, "held_out_chars": len(held_codes),
                    "train_chars": N, "torch": torch.__version__, "python": platform.python_version(),
                    "history": {"val_step": history.val_step, "val": history.val},
                    # the untrained networks' chance level on this held-out text, so a page need not redo it
                    "chance_untrained": {"held_out": Corpus.digest_of(held_text), "embed_size": E, "hidden_size": H,
                                         "best_abs": {k: v.tolist() for k, v in
                                                      chance_untrained(E, H, held_text).items()}}}
            char_model = CharModel(char_model.embedding, char_model.weights, char_model.readout_weight,
                                   char_model.readout_bias, meta)
            result = TextResult(config=config, model=char_model, metric="bpc", value=history.val[-1],
                                baseline=baseline, steps_done=step, seconds=seconds, device=device,
                                stopped=stopped, history=history)
            return event("stopped" if stopped else "done", step, loss, result, message)

        history.val_step.append(0)
        history.val.append(evaluate())
        yield event("running", 0, math.nan)
        h = torch.zeros(1, B, H, device=device)  # the streams' state, carried from chunk to chunk
        pending: list = []  # losses not yet copied off the device
        offsets = np.zeros(B, np.int64)
        for step in range(1, config.steps + 1):
            if should_stop():
                losses = _flush(pending, history)
                recent = losses or history.loss[-1:] or [math.nan]
                yield finish(step - 1, True, sum(recent) / len(recent),
                             f"stopped after {step - 1} of {config.steps} steps")
                return
            k = (step - 1) % chunks
            if k == 0:  # a new pass: new starting points, fresh states
                offsets = rng.integers(0, N, 1) + np.arange(B) * stream_len  # (B,)
                h = torch.zeros(1, B, H, device=device)
            index = (offsets[:, None] + k * T + np.arange(T + 1)) % N  # (B, T+1), wrapping at the end
            batch = data[torch.from_numpy(index)].to(device)  # (B, T+1)
            states, h = model["rnn"](model["embedding"](batch[:, :-1]), h)  # (B, T, H), (1, B, H)
            h = h.detach()
            loss = F.cross_entropy(model["readout"](states).reshape(-1, V), batch[:, 1:].reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, config.clip)
            optimizer.step()
            pending.append(loss.detach())
            last = step == config.steps
            evaluate_now = step % config.eval_every == 0
            if not (last or evaluate_now or step % config.log_every == 0):
                continue
            losses = _flush(pending, history)
            bad = next((v for v in losses if not math.isfinite(v)), None)
            if bad is not None:
                yield event("error", step, bad, message=f"training stopped at step {step}: the loss became {bad}. "
                            f"The learning rate ({config.lr:g}) is probably too high; try a smaller one.")
                return
            if last:
                yield finish(step, False, sum(losses) / len(losses))
                return
            if evaluate_now:
                history.val_step.append(step)
                history.val.append(evaluate())
            yield event("running", step, sum(losses) / len(losses))
    finally:
        torch.set_num_threads(threads_before)


def _flush(pending: list, history: History) -> list[float]:
    """The pending losses in bits per character, appended to the history."""
    import torch

    losses = (torch.stack(pending).float().cpu() / LN2).tolist() if pending else []
    pending.clear()
    history.loss.extend(losses)
    return losses


def _to_numpy(model) -> CharModel:
    def grab(p):
        return p.detach().to("cpu").float().numpy().copy()

    rnn = model["rnn"]
    weights = GRUWeights.from_pytorch_layout(grab(rnn.weight_ih_l0), grab(rnn.weight_hh_l0), grab(rnn.bias_ih_l0),
                                             grab(rnn.bias_hh_l0))
    return CharModel(embedding=grab(model["embedding"].weight), weights=weights,
                     readout_weight=grab(model["readout"].weight), readout_bias=grab(model["readout"].bias))
