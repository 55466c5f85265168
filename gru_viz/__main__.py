"""Command line: python -m gru_viz train --task adding --seq-len 100 --hidden-size 32 --steps 600 --out model.npz"""

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
from gru_viz.training import CELLS, SUGGESTED, TrainConfig, TrainEvent, resolve_device, save_result, train

BAR_WIDTH = 24  # characters of the progress bar


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
    defaults = TrainConfig()
    p = commands.add_parser(
        "train", help="train a model on a toy task and save it for the app",
        description="Train a one-layer recurrent network on a toy task. Progress goes to stderr; the last line "
                    "on stdout is one JSON object describing the run.",
        epilog="Sizes left out take the values suggested for the task: "
               + "; ".join(f"{k}: " + ", ".join(f"{n}={v}" for n, v in s.items()) for k, s in SUGGESTED.items()))
    p.add_argument("--task", choices=list(TASKS), default=defaults.task, help="toy task (default: %(default)s)")
    p.add_argument("--seq-len", type=_count, help="time steps per sequence")
    p.add_argument("--hidden-size", type=_count, help="units in the recurrent layer")
    p.add_argument("--steps", type=_count, help="optimizer steps")
    p.add_argument("--batch-size", type=_count, default=defaults.batch_size, help="default: %(default)s")
    p.add_argument("--lr", type=_positive, default=defaults.lr, help="Adam learning rate (default: %(default)s)")
    p.add_argument("--seed", type=_seed, default=defaults.seed, help="default: %(default)s")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto",
                   help="auto = cuda if available, else cpu (default: %(default)s)")
    p.add_argument("--cell", choices=list(CELLS), default=defaults.cell, help="default: %(default)s")
    p.add_argument("--threads", type=_count, default=defaults.threads,
                   help="torch CPU threads (default: %(default)s; small models run fastest on one)")
    p.add_argument("--clip", type=_positive, default=defaults.clip, help="gradient norm clip (default: %(default)s)")
    p.add_argument("--eval-every", type=_count, default=defaults.eval_every, help="default: %(default)s")
    p.add_argument("--out", type=Path, help="write the trained GRU here (.npz), for the app to load")
    p.set_defaults(command_parser=p)  # so errors found after parsing name the subcommand in their usage line
    return parser


def _config(args: argparse.Namespace, parser: argparse.ArgumentParser) -> TrainConfig:
    sizes = {k: getattr(args, k) for k in ("seq_len", "hidden_size", "steps") if getattr(args, k) is not None}
    try:
        config = TrainConfig.for_task(args.task, **sizes, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                                      device=args.device, cell=args.cell, threads=args.threads, clip=args.clip,
                                      eval_every=args.eval_every).validated()
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
        if args.out is not None:
            try:
                summary["out"] = str(save_result(result, args.out))
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
