"""Training speed and accuracy: the CLI against a bare PyTorch loop doing the same 600 steps, in the same run.

Both run as subprocesses (same interpreter start-up and torch import), alternately, best of --repeat rounds:
  CLI:  python -m gru_viz train --task adding --seq-len 100 --hidden-size 32 --steps 600 --batch-size 64 --seed 0
  bare: nn.GRU + nn.Linear, Adam, clipping, the same batches from gru_viz.tasks, the same threads, no events,
        no validation during training, no snapshots; one validation at the end.
Run: python benchmarks/bench_training.py   Targets: CLI/bare time ≤ 1.15, final val MSE ≤ 0.01 (baseline 1/6).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETTINGS = {"task": "adding", "seq_len": 100, "hidden_size": 32, "steps": 600, "batch_size": 64, "seed": 0,
            "threads": 1}
RATIO_TARGET = 1.15
MSE_TARGET = 0.01


def bare(device: str) -> dict:
    """The same training, written as plainly as PyTorch allows; run in a subprocess via --bare."""
    import numpy as np
    import torch

    from gru_viz.tasks import get_task
    from gru_viz.training import VAL_SEED, TrainConfig

    s = SETTINGS
    defaults = TrainConfig()
    torch.set_num_threads(s["threads"])
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    task = get_task(s["task"])
    torch.manual_seed(s["seed"])
    gru = torch.nn.GRU(task.input_size, s["hidden_size"], batch_first=True).to(device)
    readout = torch.nn.Linear(s["hidden_size"], task.output_size).to(device)
    params = [*gru.parameters(), *readout.parameters()]
    optimizer = torch.optim.Adam(params, lr=defaults.lr)
    rng = np.random.default_rng([s["seed"], 0])
    val = task.batch(defaults.val_size, s["seq_len"], np.random.default_rng([VAL_SEED, 1]))
    x_val, y_val = torch.from_numpy(val.x).to(device), torch.from_numpy(val.y).to(device)
    start = time.perf_counter()
    for _ in range(s["steps"]):
        b = task.batch(s["batch_size"], s["seq_len"], rng)
        x, y = torch.from_numpy(b.x).to(device), torch.from_numpy(b.y).to(device)
        states, _ = gru(x)  # (B, T, H)
        loss = torch.nn.functional.mse_loss(readout(states[:, -1]), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, defaults.clip)
        optimizer.step()
    with torch.no_grad():
        states, _ = gru(x_val)
        mse = torch.nn.functional.mse_loss(readout(states[:, -1]), y_val).item()
    return {"seconds": time.perf_counter() - start, "value": mse}


def timed(cmd: list[str]) -> tuple[float, dict]:
    """Wall seconds of a subprocess, and the JSON object on the last line of its stdout."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return wall, json.loads(proc.stdout.strip().splitlines()[-1])


def compare(device: str, repeat: int) -> dict:
    s = SETTINGS
    cli = [sys.executable, "-m", "gru_viz", "train", "--task", s["task"], "--seq-len", str(s["seq_len"]),
           "--hidden-size", str(s["hidden_size"]), "--steps", str(s["steps"]), "--batch-size", str(s["batch_size"]),
           "--seed", str(s["seed"]), "--threads", str(s["threads"]), "--device", device]
    plain = [sys.executable, str(Path(__file__).resolve()), "--bare", device]
    best = {"cli_wall": float("inf"), "cli": float("inf"), "bare_wall": float("inf"), "bare": float("inf")}
    for _ in range(repeat):  # alternate, so a busy spell on the machine hits both sides
        wall, out = timed(cli)
        best["cli_wall"], best["cli"] = min(best["cli_wall"], wall), min(best["cli"], out["seconds"])
        best["cli_value"], best["baseline"] = out["value"], out["baseline"]
        wall, out = timed(plain)
        best["bare_wall"], best["bare"] = min(best["bare_wall"], wall), min(best["bare"], out["seconds"])
        best["bare_value"] = out["value"]
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bare", metavar="DEVICE", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds; the best of each side counts")
    args = parser.parse_args()
    if args.bare:
        print(json.dumps(bare(args.bare)))
        return 0

    import torch

    print(f"torch {torch.__version__}, {os.cpu_count()} CPU cores, threads={SETTINGS['threads']}, adding T=100 H=32 "
          f"B=64, best of {args.repeat} alternating runs")
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print("| device | steps | CLI s (train loop / wall) | bare s (train loop / wall) | ratio loop / wall | "
          "target | CLI val MSE | bare val MSE | baseline |")
    print("|---|---|---|---|---|---|---|---|---|")
    ok, results = True, {}
    for device in devices:
        r = results[device] = compare(device, args.repeat)
        ratio, wall_ratio = r["cli"] / r["bare"], r["cli_wall"] / r["bare_wall"]
        ok &= ratio <= RATIO_TARGET and r["cli_value"] <= MSE_TARGET
        print(f"| {device} | {SETTINGS['steps']} | {r['cli']:.2f} / {r['cli_wall']:.2f} | "
              f"{r['bare']:.2f} / {r['bare_wall']:.2f} | {ratio:.3f} / {wall_ratio:.3f} | ≤ {RATIO_TARGET} | "
              f"{r['cli_value']:.4f} (≤ {MSE_TARGET}) | {r['bare_value']:.4f} | {r['baseline']:.4f} |")
    if "cuda" in results:
        print(f"\nGPU speed-up of the CLI's training loop: {results['cpu']['cli'] / results['cuda']['cli']:.2f}x "
              f"({torch.cuda.get_device_name()})")
    print("\nratio = CLI / bare; the target applies to the training-loop ratio (the wall ratio adds the same "
          "interpreter start and torch import to both sides)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
