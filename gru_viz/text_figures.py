"""What the "Units in real text" page draws: colours for every character, and units ranked against chance."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gru_viz.figures import GATE_SCALE, LINE_COLOURS, STATE_SCALE
from gru_viz.raster import colour_lut

SHOWN = {  # what colours the text: (label, colour scale, lowest, highest)
    "h": ("h, the unit's state", STATE_SCALE, -1.0, 1.0),
    "r": ("r, its reset gate", GATE_SCALE, 0.0, 1.0),
    "u": ("u, its update gate", GATE_SCALE, 0.0, 1.0),
}
LEVELS = 64  # colours per scale: neighbours that differ by less than 1/64 of the range look the same anyway


def char_colours(values: np.ndarray, quantity: str) -> tuple[list[int], list[str], list[bool]]:
    """Per character, an index into a palette, the palette (hex colours) and whether each needs light text."""
    _, scale, lo, hi = SHOWN[quantity]
    lut = colour_lut(scale, LEVELS)  # (LEVELS, 3) uint8
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=(lo + hi) / 2)
    index = np.clip(np.round((v - lo) / (hi - lo) * (LEVELS - 1)), 0, LEVELS - 1).astype(int)
    palette = ["#%02x%02x%02x" % tuple(int(c) for c in rgb) for rgb in lut]
    luminance = lut.astype(float) @ np.array([0.2126, 0.7152, 0.0722]) / 255  # (LEVELS,), good enough for contrast
    return index.tolist(), palette, (luminance < 0.5).tolist()


def view_data(text: str, values: np.ndarray, quantity: str, cursor: int, span: tuple[int, int],
              matches: list[tuple[int, int]]) -> dict:
    """The JSON the text view draws: characters, colours and the marks, all relative to the passage start."""
    index, palette, light = char_colours(values, quantity)
    return {"text": text, "colour": index, "palette": palette, "light": light, "cursor": int(cursor),
            "span": [int(span[0]), int(span[1])], "matches": [[int(a), int(b)] for a, b in matches],
            "label": SHOWN[quantity][0], "legend": legend_stops(quantity)}


def legend_stops(quantity: str, n: int = 5) -> list[tuple[float, str, bool]]:
    """n evenly spaced values of a quantity's range with their colours and whether they need light text."""
    _, _, lo, hi = SHOWN[quantity]
    values = np.linspace(lo, hi, n)
    index, palette, light = char_colours(values, quantity)
    return [(round(float(v), 2), palette[i], light[i]) for v, i in zip(values, index)]


def ranking_figure(r_trained: np.ndarray, untrained: np.ndarray, shifted: np.ndarray, feature: str) -> go.Figure:
    """Every unit's |r| with the feature, strongest first, against the chance levels of both kinds (no title:
    the page says which feature, in words that wrap on a phone)."""
    strengths = np.sort(np.abs(np.asarray(r_trained)))[::-1]  # (H,)
    ranks = np.arange(1, len(strengths) + 1)
    fig = go.Figure(go.Scatter(x=ranks, y=strengths, mode="lines+markers", name="trained network's units",
                               line=dict(color=LINE_COLOURS[0], width=3), marker=dict(size=5),
                               hovertemplate="rank %{x}: |r| = %{y:.2f}<extra></extra>"))
    for level, name, colour, dash in ((float(np.max(untrained)), "best unit of an untrained network", LINE_COLOURS[1],
                                       "dash"),
                                      (float(np.max(shifted)), "best unit, feature shifted in time", LINE_COLOURS[2],
                                       "dot")):
        fig.add_trace(go.Scatter(x=[1, len(strengths)], y=[level, level], mode="lines", name=f"{name}: {level:.2f}",
                                 line=dict(color=colour, width=3, dash=dash), hoverinfo="skip"))
    fig.update_layout(
        xaxis=dict(title="units, strongest first", range=[0.5, len(strengths) + 0.5]),
        yaxis=dict(title="|r| on held-out text", range=[0, 1.02]),
        font=dict(size=15), height=400, margin=dict(l=70, r=20, t=20, b=140), template="plotly_white",
        legend=dict(orientation="h", yanchor="top", y=-0.25, x=0), hovermode="closest")
    return fig
