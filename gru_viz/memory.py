"""How far back an input still moves the output: input influence by autograd, and the update gate's retention.

input_influence needs torch, so it runs in the training child (child_analysis, passed to jobs as `analyse`):
the app server stays torch-free. Retention comes from the NumPy core.
"""

from __future__ import annotations

import numpy as np

from gru_viz.analysis import retention
from gru_viz.core import run_gru
from gru_viz.tasks import get_task
from gru_viz.trained import EXAMPLE_SEED
from gru_viz.training import Snapshot, TrainResult

MEMORY_CELLS = ("gru", "rnn")  # the Memory page sets a GRU against a plain RNN
MEMORY_TASKS = ("adding", "recall")  # tasks with one early input that must survive to the end


def input_influence(cell: str, params: Snapshot, x, output: int | None = None) -> np.ndarray:
    """|∂y/∂x_t| summed over input channels, for every step t: y is the read-out after the last step.

    For several outputs, y is the one the model picks for x (its largest logit) unless `output` says.
    """
    import torch

    from gru_viz.training import forward, model_from_params

    x = np.asarray(x, dtype=np.float64)
    D = params.weight_ih.shape[1]
    if x.ndim != 2 or x.shape[1] != D or x.shape[0] == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"x: expected finite numbers of shape (T, {D}) with T ≥ 1, got {x.shape}")
    # float64 so the gradient of a long sequence keeps its tiny values instead of rounding them to 0
    model = model_from_params(cell, params).double().requires_grad_(False)
    xt = torch.tensor(x[None], requires_grad=True)  # (1, T, D)
    out = forward(model, xt, per_step=False)[0]  # (O,) read-out after the last step
    k = (int(out.argmax()) if out.numel() > 1 else 0) if output is None else int(output)
    out[k].backward()
    return xt.grad[0].abs().sum(dim=1).numpy()  # (T,)


def memory_example(task: str, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """The example every page shows for this task: inputs (T, D) and its key steps."""
    spec = get_task(task)
    x = spec.batch(1, seq_len, EXAMPLE_SEED).x[0]  # (T, D)
    return x, spec.key_steps(x)


def child_analysis(result: TrainResult) -> dict[str, np.ndarray] | None:
    """In the training child, after a run: the influence (T,) on the memory example, trained and untrained."""
    config = result.config
    if config.task not in MEMORY_TASKS or config.cell not in MEMORY_CELLS:
        return None
    x, _ = memory_example(config.task, config.seq_len)
    return {"trained": input_influence(config.cell, result.params, x),
            "untrained": input_influence(config.cell, result.snapshots[0], x)}  # step 0: before training


def first_stored_step(key_steps, seq_len: int) -> int:
    """The step right after the first key input: retention counts what the state held after that input."""
    return min(int(key_steps[0]) + 1, seq_len - 1) if len(key_steps) else 0


def gru_retention(params: Snapshot, x, start: int) -> np.ndarray:
    """Retention (T, H) of the state after step start − 1: the running product of u from step start on."""
    return retention(run_gru(params.gru_weights(), np.asarray(x, dtype=np.float64)).u, start)  # u: (T, H)


def most_retentive(kept: np.ndarray, n: int = 4) -> np.ndarray:
    """The n units (indices) that keep the largest share until the last step, most retentive first."""
    return np.argsort(-np.asarray(kept)[-1], kind="stable")[:n]
