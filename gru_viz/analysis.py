"""Numbers derived from a trace for the figures: trajectories, saturation, retention (pure NumPy)."""

from __future__ import annotations

import numpy as np


def trajectory_2d(h: np.ndarray, reference: np.ndarray | None = None) -> tuple[np.ndarray, tuple[str, str]]:
    """The hidden-state path in 2-D: the units themselves when H ≤ 2, else its top two principal components.

    With `reference` (T', H), h is drawn in the reference path's coordinates (its centre and components),
    so that paths of the same cell under other weights can share one pair of axes."""
    h = np.asarray(h, dtype=np.float64)  # (T, H)
    T, H = h.shape
    if H == 1:
        return np.column_stack([np.arange(T), h[:, 0]]), ("step t", "h (unit 0)")
    if H == 2:
        return h.copy(), ("unit 0", "unit 1")
    ref = h if reference is None else np.asarray(reference, dtype=np.float64)
    centre = ref.mean(axis=0)
    _, s, vt = np.linalg.svd(ref - centre, full_matrices=False)  # vt: (min(T',H), H)
    total = float((s**2).sum()) or 1.0
    centred = h - centre
    xy = centred @ vt[:2].T  # (T, 2)
    if xy.shape[1] < 2:  # a one-step trace has one component
        xy = np.column_stack([xy, np.zeros(T)])
    share = [100 * s[k] ** 2 / total if k < len(s) else 0.0 for k in range(2)]
    return xy, (f"PC1 ({share[0]:.0f}% of variance)", f"PC2 ({share[1]:.0f}% of variance)")


def frame_steps(T: int, max_frames: int = 100) -> np.ndarray:
    """The time steps that get an animation frame: all of them, or an even subsample of long sequences."""
    if T <= max_frames:
        return np.arange(T)
    return np.unique(np.linspace(0, T - 1, max_frames).round().astype(int))


def gate_saturation(gate: np.ndarray, low: float = 0.1, high: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Per unit, the fraction of steps a gate spends below `low` and above `high` (Karpathy et al., 2015)."""
    g = np.asarray(gate).reshape(-1, np.shape(gate)[-1])  # (steps, H), batches flattened
    return (g < low).mean(axis=0), (g > high).mean(axis=0)


def retention(u: np.ndarray, start: int = 0) -> np.ndarray:
    """How much of the state at step `start` survives to each later step: the running product of u."""
    u = np.asarray(u, dtype=np.float64)  # (T, H)
    out = np.ones_like(u)
    out[start:] = np.cumprod(u[start:], axis=0)
    return out
