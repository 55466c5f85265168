"""Weight presets that show the textbook cases, for any input and hidden size, and what they do to the gates."""

from __future__ import annotations

import numpy as np

from gru_viz.core import GRUWeights, sigmoid

GATE_BIAS = 4.0  # σ(4) ≈ 0.98: strong enough to see, weak enough for inputs to still matter
CANDIDATE_GAIN = 4.0  # the textbook presets scale U_g so an input visibly moves the state

PRESETS = {
    "random": "Random (PyTorch's initialisation)",
    "keeper": "Keeps its memory (u near 1)",
    "overwriter": "Overwrites its memory (u near 0)",
    "no_past": "Candidate ignores the past (r near 0)",
}

_REST = "with x = 0 and h = 0"
DESCRIPTIONS = {
    "random": "Weights drawn as PyTorch draws them before training, each uniformly from ±1/√H: no gate is set "
              "open or shut on purpose, so where a gate lands depends on the draw and on the inputs.",
    "keeper": f"Random weights, but the update gate's bias is +{GATE_BIAS:g}: {_REST} every unit has "
              f"u = σ({GATE_BIAS:g}) ≈ {float(sigmoid(GATE_BIAS)):.2f} and keeps most of its state at each step. "
              "Inputs and the state still move u through their random weights.",
    "overwriter": f"Random weights, but the update gate's bias is −{GATE_BIAS:g}: {_REST} every unit has "
                  f"u = σ(−{GATE_BIAS:g}) ≈ {float(sigmoid(-GATE_BIAS)):.2f}, so each step replaces almost all of "
                  "the state by the candidate. Inputs and the state still move u.",
    "no_past": f"Random weights, but the reset gate's bias is −{2 * GATE_BIAS:g}: {_REST} every unit has "
               f"r = σ(−{2 * GATE_BIAS:g}) ≈ {float(sigmoid(-2 * GATE_BIAS)):.4f}, so the candidate is built "
               "almost only from the input. Inputs and the state still move r.",
}
WATCHED = {"random": ("r", "u"), "keeper": ("u",), "overwriter": ("u",), "no_past": ("r",)}  # what each preset sets


def preset_weights(name: str, input_size: int, hidden_size: int, seed: int = 0) -> GRUWeights:
    """Random weights, with one gate's bias pushed far to one side for the textbook presets."""
    if name not in PRESETS:
        raise ValueError(f"unknown weight preset {name!r}; choose one of {list(PRESETS)}")
    base = GRUWeights.random(input_size, hidden_size, seed)
    H = hidden_size
    # larger input weights for the candidate so an input visibly moves the state
    base = base.replace(U_g=base.U_g * CANDIDATE_GAIN)
    if name == "keeper":
        return base.replace(b_u=np.full(H, GATE_BIAS), c_u=np.zeros(H))
    if name == "overwriter":
        return base.replace(b_u=np.full(H, -GATE_BIAS), c_u=np.zeros(H))
    if name == "no_past":
        return base.replace(b_r=np.full(H, -2 * GATE_BIAS), c_r=np.zeros(H))
    return GRUWeights.random(input_size, hidden_size, seed)


def gate_range(weights: GRUWeights, gate: str, x_low, x_high, h_low: float = -1.0,
               h_high: float = 1.0) -> tuple[float, float]:
    """The lowest and highest value gate "r" or "u" takes, over all units, for every x in [x_low, x_high]
    (per entry) and every h_(t−1) in [h_low, h_high]: exact, since the pre-activation is linear in both."""
    w = weights.astype(np.float64)
    U, W = getattr(w, f"U_{gate}"), getattr(w, f"W_{gate}")  # (D, H), (H, H)
    bias = getattr(w, f"b_{gate}") + getattr(w, f"c_{gate}")  # (H,)
    x_low = np.broadcast_to(np.asarray(x_low, float), (w.input_size,))
    x_high = np.broadcast_to(np.asarray(x_high, float), (w.input_size,))
    x_mid, x_half = (x_low + x_high) / 2, (x_high - x_low) / 2  # (D,)
    h_mid, h_half = (h_low + h_high) / 2, (h_high - h_low) / 2
    centre = x_mid @ U + h_mid * W.sum(axis=0) + bias  # (H,)
    spread = x_half @ np.abs(U) + h_half * np.abs(W).sum(axis=0)  # (H,)
    return float(sigmoid(centre - spread).min()), float(sigmoid(centre + spread).max())


def range_sentence(weights: GRUWeights, preset: str, x_low: float, x_high: float,
                   where: str = "the sliders allow") -> str:
    """Where the gates this preset sets can go, for every input in [x_low, x_high] and every state in [−1, 1]
    (`where` says whose ranges these are: One step's sliders, or a sequence's values on another page)."""
    parts = []
    for gate in WATCHED[preset]:
        lo, hi = gate_range(weights, gate, x_low, x_high)
        parts.append(f"{gate} stays between {lo:.3f} and {hi:.3f}")
    low, high = (f"{v:g}".replace("-", "−") for v in (x_low, x_high))
    return (f"With these weights, for every x_t in [{low}, {high}] and h_(t−1) in [−1, 1] {where}, "
            f"{' and '.join(parts)} in every unit.")
