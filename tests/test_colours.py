"""Colours stay readable for colour-blind students: checked by simulating the three kinds of dichromacy."""

import itertools

import numpy as np
import pytest

from gru_viz.figures import GATE_SCALE, LINE_COLOURS, STATE_SCALE
from gru_viz.raster import colour_lut

# Dichromacy simulation matrices on linear RGB (Machado, Oliveira & Fernandes 2009, severity 1.0)
SIMULATE = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def to_linear(rgb: np.ndarray) -> np.ndarray:
    c = np.asarray(rgb, dtype=float) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(linear: np.ndarray) -> np.ndarray:
    """CIE L*a*b* of linear sRGB colours (D65)."""
    xyz = np.clip(linear, 0, 1) @ np.array([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192],
                                            [0.1805, 0.0722, 0.9505]])
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def seen_by(kind: str, rgb) -> np.ndarray:
    linear = to_linear(rgb)
    return lab(linear if kind == "normal" else linear @ SIMULATE[kind].T)


def hex_rgb(colour: str) -> list[int]:
    return [int(colour[i:i + 2], 16) for i in (1, 3, 5)]


@pytest.mark.parametrize("kind", ["normal", *SIMULATE])
def test_gate_scale_gets_lighter_all_the_way(kind):
    lightness = seen_by(kind, colour_lut(GATE_SCALE))[:, 0]
    assert np.all(np.diff(lightness[::8]) > 0), "gate values would be ambiguous"
    assert lightness[-1] - lightness[0] > 60


@pytest.mark.parametrize("kind", ["normal", *SIMULATE])
def test_state_scale_tells_minus_one_from_plus_one(kind):
    lut = seen_by(kind, colour_lut(STATE_SCALE))
    ends = np.linalg.norm(lut[0] - lut[-1])
    middle = lut[len(lut) // 2, 0]
    assert ends > 30, f"−1 and +1 look alike under {kind} (ΔE {ends:.0f}; about 2 is just noticeable)"
    assert middle > lut[0, 0] + 20 and middle > lut[-1, 0] + 20, "zero must stand out as the light middle"


@pytest.mark.parametrize("kind", ["normal", *SIMULATE])
def test_unit_line_colours_stay_apart(kind):
    colours = seen_by(kind, [hex_rgb(c) for c in LINE_COLOURS[:4]])
    closest = min(np.linalg.norm(a - b) for a, b in itertools.combinations(colours, 2))
    assert closest > 15, f"two of the first four line colours look alike under {kind}"
