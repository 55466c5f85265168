"""run_gru (all four traces) against torch.nn.GRU's forward (h only), one thread, float32.

Run: python benchmarks/bench_core.py   Targets: ratio ≤ 0.8 at B=1, ≤ 1.25 at B=64.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy/torch load their thread pools
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import sys
import timeit
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gru_viz.core import run_gru  # noqa: E402
from gru_viz.torch_bridge import weights_from_torch  # noqa: E402

TARGETS = {1: 0.8, 64: 1.25}


def best_of(fn, repeat: int = 15) -> float:
    """Best wall time of one call, in seconds (the minimum is the least noisy estimate)."""
    fn()  # warm up
    number = max(1, int(0.05 / max(timeit.timeit(fn, number=1), 1e-6)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def measure(batch: int, T: int = 500, D: int = 8, H: int = 64) -> tuple[float, float]:
    torch.manual_seed(0)
    gru = torch.nn.GRU(D, H, batch_first=True)
    weights = weights_from_torch(gru)
    x = np.random.default_rng(0).standard_normal((batch, T, D)).astype(np.float32)
    xt = torch.from_numpy(x)
    x_np = x if batch > 1 else x[0]

    def torch_forward():
        with torch.no_grad():
            gru(xt)

    return best_of(lambda: run_gru(weights, x_np)), best_of(torch_forward)


def main() -> int:
    torch.set_num_threads(1)
    print(f"numpy {np.__version__}, torch {torch.__version__}, one thread, T=500 D=8 H=64 float32")
    print("| batch | run_gru (ms) | torch.nn.GRU (ms) | ratio | target |")
    print("|---|---|---|---|---|")
    ok = True
    for batch, target in TARGETS.items():
        ours, ref = measure(batch)
        ratio = ours / ref
        ok &= ratio <= target
        print(f"| {batch} | {ours * 1e3:.2f} | {ref * 1e3:.2f} | {ratio:.2f} | ≤ {target} |")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
