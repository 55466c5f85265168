"""Weight presets that show the textbook cases, for any input and hidden size."""

from __future__ import annotations

import numpy as np

from gru_viz.core import GRUWeights

PRESETS = {
    "random": "Random (PyTorch's initialisation)",
    "keeper": "Keeps its memory (u near 1)",
    "overwriter": "Overwrites its memory (u near 0)",
    "no_past": "Candidate ignores the past (r near 0)",
}

DESCRIPTIONS = {
    "random": "Weights drawn as PyTorch draws them before training: gates hover around 0.5.",
    "keeper": "A large positive update-gate bias pins u near 1: the state barely moves, whatever comes in.",
    "overwriter": "A large negative update-gate bias pins u near 0: every step replaces the state by the candidate.",
    "no_past": "A large negative reset-gate bias pins r near 0: the candidate is built from the input alone.",
}

GATE_BIAS = 4.0  # σ(4) ≈ 0.98: strong enough to see, weak enough for inputs to still matter a little


def preset_weights(name: str, input_size: int, hidden_size: int, seed: int = 0) -> GRUWeights:
    """Random weights, with one gate's bias pushed far to one side for the textbook presets."""
    if name not in PRESETS:
        raise ValueError(f"unknown weight preset {name!r}; choose one of {list(PRESETS)}")
    base = GRUWeights.random(input_size, hidden_size, seed)
    H = hidden_size
    # larger input weights for the candidate so an input visibly moves the state
    base = base.replace(U_g=base.U_g * 4)
    if name == "keeper":
        return base.replace(b_u=np.full(H, GATE_BIAS), c_u=np.zeros(H))
    if name == "overwriter":
        return base.replace(b_u=np.full(H, -GATE_BIAS), c_u=np.zeros(H))
    if name == "no_past":
        return base.replace(b_r=np.full(H, -2 * GATE_BIAS), c_r=np.zeros(H))
    return GRUWeights.random(input_size, hidden_size, seed)
