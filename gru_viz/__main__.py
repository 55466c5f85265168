"""Command line: python -m gru_viz train --task adding --seq-len 100 --hidden-size 32 --steps 600 --out model.npz

The character-level model of the "Units in real text" page: python -m gru_viz train --task text --out m.npz
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
import time
from pathlib import Path

from gru_viz.tasks import TASKS
from gru_viz.text_training import TEXT_TASK, TextConfig
from gru_viz.training import CELLS, SUGGESTED, TrainConfig, TrainEvent, resolve_device, save_result, train

BAR_WIDTH = 24  # characters of the progress bar
TEXT_OPTIONS = ("hidden_size", "embed_size", "seq_len", "batch_size", "steps", "lr", "eval_every")


def _whole(minimum: int):
    """An argparse type for whole numbers of at least `minimum`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


_count, _seed = _whole(1), _whole(0)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gru_viz", description="Train the GRUs that the app shows.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    defaults, text = TrainConfig(), TextConfig()
    p = commands.add_parser(
        "train", help="train a model on a toy task and save it for the app",
        description="Train a one-layer recurrent network on a toy task. Progress goes to stderr; the last line "
                    "on stdout is one JSON object describing the run.",
        epilog="Sizes left out take the values suggested for the task: "
               + "; ".join(f"{k}: " + ", ".join(f"{n}={v}" for n, v in s.items()) for k, s in SUGGESTED.items())
               + f". --task {TEXT_TASK} trains a character-level GRU (embedding, GRU, next-character read-out) on "
               "Python source from this Python's standard library; its defaults: "
               + ", ".join(f"{n}={getattr(text, n)}" for n in TEXT_OPTIONS) + ".")
    p.add_argument("--task", choices=[*TASKS, TEXT_TASK], default=defaults.task,
                   help="toy task, or 'text' for the character model (default: %(default)s)")
    p.add_argument("--seq-len", type=_count, help="time steps per sequence")
    p.add_argument("--hidden-size", type=_count, help="units in the recurrent layer")
    p.add_argument("--steps", type=_count, help="optimizer steps")
    p.add_argument("--batch-size", type=_count, help=f"default: {defaults.batch_size} (text: {text.batch_size})")
    p.add_argument("--lr", type=_positive, help=f"Adam learning rate (default: {defaults.lr:g}; text: {text.lr:g})")
    p.add_argument("--seed", type=_seed, default=defaults.seed, help="default: %(default)s")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto",
                   help="auto = cuda if available, else cpu (default: %(default)s)")
    p.add_argument("--cell", choices=list(CELLS), default=defaults.cell, help="default: %(default)s")
    p.add_argument("--threads", type=_count, default=defaults.threads,
                   help="torch CPU threads (default: %(default)s; small models run fastest on one)")
    p.add_argument("--clip", type=_positive, default=defaults.clip, help="gradient norm clip (default: %(default)s)")
    p.add_argument("--eval-every", type=_count, help=f"default: {defaults.eval_every} (text: {text.eval_every})")
    p.add_argument("--embed-size", type=_count, help=f"text only: characters' vector length (default: "
                   f"{text.embed_size})")
    p.add_argument("--train-chars", type=_count, help=f"text only: use at most this many training characters "
                   f"(default: {text.train_chars})")
    p.add_argument("--out", type=Path, help="write the trained GRU here (.npz), for the app to load")
    p.set_defaults(command_parser=p)  # so errors found after parsing name the subcommand in their usage line
    return parser


def _config(args: argparse.Namespace, parser: argparse.ArgumentParser) -> TrainConfig | TextConfig:
    given = {k: getattr(args, k) for k in ("seq_len", "hidden_size", "steps", "batch_size", "lr", "eval_every")
             if getattr(args, k) is not None}
    common = dict(seed=args.seed, device=args.device, cell=args.cell, threads=args.threads, clip=args.clip)
    try:
        if args.task == TEXT_TASK:
            given.update({k: getattr(args, k) for k in ("embed_size", "train_chars") if getattr(args, k) is not None})
            config = TextConfig(**given, **common).validated()
        else:
            for name in ("embed_size", "train_chars"):
                if getattr(args, name) is not None:
                    parser.error(f"--{name.replace('_', '-')} is for --task {TEXT_TASK} only")
            config = TrainConfig.for_task(args.task, **given, **common).validated()
    except ValueError as exc:
        parser.error(str(exc))
    if args.out is not None:
        if config.cell != "gru":
            parser.error(f"--out saves GRUs only (the app shows GRU gates), not {config.cell}: drop --out")
        if not args.out.parent.is_dir():
            parser.error(f"--out: folder {str(args.out.parent)!r} does not exist")
    try:
        resolve_device(config.device)  # last: it loads torch, which takes a second
    except ValueError as exc:
        parser.error(str(exc))
    return config


def _save(result, out: Path) -> Path:
    """Write a toy-task GRU (training.save_result) or a character model (CharModel.save) as .npz."""
    if not isinstance(result.config, TextConfig):
        return save_result(result, out)
    if out.suffix != ".npz":
        out = out.with_name(out.name + ".npz")
    result.model.save(out)
    return out


def _describe(event: TrainEvent) -> str:
    val = "-" if event.val_metric is None else f"{event.val_metric:.4f}"
    loss = "-" if math.isnan(event.loss) else f"{event.loss:.4f}"
    return (f"step {event.step}/{event.steps}  loss {loss}  val {event.metric} {val} "
            f"(baseline {event.baseline:.4f})  {event.elapsed_s:.1f} s")


def _train(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    begun = time.perf_counter()
    config = _config(args, parser)
    stop = threading.Event()

    def interrupted(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C: give up at once
        stop.set()  # the first one: finish the current step, then save what was learned

    signal.signal(signal.SIGINT, interrupted)
    tty = sys.stderr.isatty()
    last_val_step = None
    for event in train(config, stop):
        if tty:
            filled = round(BAR_WIDTH * event.step / event.steps)
            print(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {_describe(event)}   ", end="", file=sys.stderr,
                  flush=True)
        elif event.val_metric is not None and event.step != last_val_step and (
                event.step % config.eval_every == 0 or event.finished):
            print(_describe(event), file=sys.stderr, flush=True)  # one line per validation when logged to a file
            last_val_step = event.step
    if tty:
        print(file=sys.stderr)
    summary = {"task": config.task, "cell": config.cell, "status": event.status, "steps": event.step,
               "steps_planned": config.steps, "seq_len": config.seq_len, "hidden_size": config.hidden_size,
               **({"embed_size": config.embed_size, "train_chars": config.train_chars} if config.task == TEXT_TASK
                  else {}),
               "batch_size": config.batch_size, "lr": config.lr, "seed": config.seed, "threads": config.threads,
               "device": event.device, "metric": event.metric, "value": event.val_metric,
               "baseline": event.baseline, "seconds": round(event.elapsed_s, 3), "out": None}
    code = 0
    if event.status == "error":
        print(f"error: {event.message}", file=sys.stderr)
        summary.update(value=None, error=event.message)
        code = 1
    else:
        result = event.result
        summary.update(value=result.value, seconds=round(result.seconds, 3))
        if config.task == TEXT_TASK:
            summary["numpy_vs_torch_max_abs_h"] = result.model.metadata["numpy_vs_torch_max_abs_h"]
        if args.out is not None:
            try:
                summary["out"] = str(_save(result, args.out))
            except OSError as exc:
                print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
                code = 1
        if event.status == "stopped":
            print(f"{event.message} (interrupted)", file=sys.stderr)
            code = 130  # the shell's code for "ended by Ctrl-C"
    summary["total_seconds"] = round(time.perf_counter() - begun, 3)
    print(json.dumps(summary), flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _train(args, args.command_parser)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
