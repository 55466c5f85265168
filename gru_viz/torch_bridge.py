"""Move weights between torch.nn.GRU / GRUCell and the NumPy core."""

from __future__ import annotations

import numpy as np
import torch

from gru_viz.core import GRUWeights, run_gru


def _numpy(tensor) -> np.ndarray | None:
    return None if tensor is None else tensor.detach().cpu().numpy().copy()


def weights_from_torch(module) -> GRUWeights:
    """GRUWeights of a one-layer unidirectional torch.nn.GRU, or of a torch.nn.GRUCell."""
    if isinstance(module, torch.nn.GRUCell):
        return GRUWeights.from_pytorch_layout(_numpy(module.weight_ih), _numpy(module.weight_hh),
                                              _numpy(module.bias_ih), _numpy(module.bias_hh))
    if not isinstance(module, torch.nn.GRU):
        raise ValueError(f"expected torch.nn.GRU or torch.nn.GRUCell, got {type(module).__name__}")
    if module.num_layers != 1:
        raise ValueError(f"only one-layer GRUs can be shown, this one has num_layers={module.num_layers}")
    if module.bidirectional:
        raise ValueError("only unidirectional GRUs can be shown, this one is bidirectional")
    if getattr(module, "proj_size", 0):
        raise ValueError("GRUs with a projection are not supported")
    return GRUWeights.from_pytorch_layout(_numpy(module.weight_ih_l0), _numpy(module.weight_hh_l0),
                                          _numpy(getattr(module, "bias_ih_l0", None)),
                                          _numpy(getattr(module, "bias_hh_l0", None)))


def weights_to_torch(weights: GRUWeights, *, batch_first: bool = True) -> torch.nn.GRU:
    """A torch.nn.GRU carrying exactly these weights (in their dtype)."""
    dtype = torch.float64 if weights.dtype == np.float64 else torch.float32
    gru = torch.nn.GRU(weights.input_size, weights.hidden_size, batch_first=batch_first, dtype=dtype)
    weight_ih, weight_hh, bias_ih, bias_hh = weights.to_pytorch_layout()
    with torch.no_grad():
        for name, value in (("weight_ih_l0", weight_ih), ("weight_hh_l0", weight_hh),
                            ("bias_ih_l0", bias_ih), ("bias_hh_l0", bias_hh)):
            getattr(gru, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return gru


def max_difference(weights: GRUWeights, x) -> float:
    """Largest |h_numpy − h_torch| when the NumPy core and torch.nn.GRU run the same weights on x (T, D), float32."""
    x = np.asarray(x, dtype=np.float32)
    gru = weights_to_torch(weights.astype(np.float32))
    with torch.no_grad():
        expected, _ = gru(torch.from_numpy(x)[None])  # (1, T, H)
    return float(np.abs(run_gru(weights.astype(np.float32), x).h - expected[0].numpy()).max())
