"""Colour lookup tables and a tiny PNG encoder (NumPy + stdlib only).

The gates chart's heatmaps are drawn by the browser (static/gates_chart.js) from the numbers, through the
lookup tables made here, so every chart paints the same colours as colour_lut says. The PNG encoder now makes
only the two static colour keys beside those heatmaps (gru_viz.gates_chart.colour_key): the per-chart PNG
heatmaps it used to make cost the server ~2 ms per panel (T = 200, H = 16) and 4 images per training snapshot
on the wire, where the browser draws one from numbers it has anyway in well under a millisecond.
"""

from __future__ import annotations

import base64
import functools
import re
import struct
import zlib

import numpy as np
from plotly.colors import get_colorscale, sample_colorscale


@functools.lru_cache(maxsize=16)
def colour_lut(scale: str, n: int = 256) -> np.ndarray:
    """n RGB colours (n, 3) uint8 sampled evenly along a named Plotly colour scale (read-only)."""
    colours = sample_colorscale(get_colorscale(scale), list(np.linspace(0, 1, n)))
    rgb = [[float(v) for v in re.findall(r"[\d.]+", c)[:3]] for c in colours]
    lut = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
    lut.flags.writeable = False
    return lut


def colourise(values: np.ndarray, lo: float, hi: float, lut: np.ndarray) -> np.ndarray:
    """Values (rows, cols) mapped onto the lookup table over [lo, hi], clipped: (rows, cols, 3) uint8."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=(lo + hi) / 2)
    idx = np.clip(np.round((v - lo) / (hi - lo) * (len(lut) - 1)), 0, len(lut) - 1).astype(np.intp)
    return lut[idx]


def encode_png(rgb: np.ndarray) -> bytes:
    """A truecolour PNG of an (height, width, 3) uint8 array."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width, _ = rgb.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, -1)], axis=1)  # filter byte 0 per row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(
        b"IEND", b"")


def heatmap_uri(values: np.ndarray, lo: float, hi: float, scale: str, *, min_px: tuple[int, int] = (600, 120)) -> str:
    """A data: URI of a PNG heatmap (first axis drawn bottom-up), each cell a crisp block of pixels."""
    values = np.asarray(values)  # (rows, cols): row 0 is drawn at the bottom, as a heatmap would
    rows, cols = values.shape
    # repeat cells into blocks so the browser's smoothing cannot blur neighbouring cells together
    sx = max(1, -(-min_px[0] // cols))
    sy = max(1, -(-min_px[1] // rows))
    rgb = colourise(values[::-1], lo, hi, colour_lut(scale))
    rgb = np.repeat(np.repeat(rgb, sy, axis=0), sx, axis=1)  # (rows·sy, cols·sx, 3)
    return "data:image/png;base64," + base64.b64encode(encode_png(rgb)).decode("ascii")
