"""Time per training step of GRU, LSTM and plain RNN as the Compare page measures it, on each device in one run.

Run: python benchmarks/bench_compare.py [--devices cpu cuda] [--seeds 5]
The Compare page's default comparison (adding, T = 50, H = 16, 400 steps, lr 0.01) trains every cell over the
seeds in ONE queued job, one network after another in one child process, as the page does; this prints, per device,
the job's wall time and each cell's median (range) time per step and steps to halve the no-memory error. Numbers
are comparable only within one run: the machine's load moves them (README says on which machine they were taken).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gru_viz import comparison, runs, verdicts  # noqa: E402
from gru_viz.jobs import JobManager  # noqa: E402


def measure(device: str, seeds: int) -> tuple[float, list]:
    """The default comparison on one device: wall seconds of the whole job, and one CellRuns per cell."""
    configs = {k: replace(c, device=device) for k, c in
               runs.compare_configs("adding", 50, 16, 400, 0.01, 0, seeds=seeds).items()}
    manager = JobManager()
    start = time.monotonic()
    run = runs.Run(configs, submit=manager.submit)
    while run.status == "running":
        run.poll()
        time.sleep(0.1)
    wall = time.monotonic() - start
    manager.shutdown()
    if run.status != "done":
        raise SystemExit(f"the comparison on {device} failed: {verdicts.run_failed(run.failed, run.error)}")
    return wall, comparison.summarise(run.outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", nargs="+", default=["cpu"], choices=["cpu", "cuda", "mps"])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print(f"## Default comparison, {args.seeds} seeds, 3 cells (load average before: {os.getloadavg()[0]:.1f})\n")
    print("| device | wall (s) | cell | time per step (ms) | halved the error | steps to halve | seconds to halve |")
    print("|---|---|---|---|---|---|---|")
    for device in args.devices:
        wall, cells = measure(device, args.seeds)
        for row in verdicts.table(cells):
            print(f"| {device} | {wall:.1f} | {row['cell']} | {row['time per step (ms)']} | {row['halved the error']} "
                  f"| {row['steps to halve']} | {row['seconds to halve']} |")


if __name__ == "__main__":
    main()
