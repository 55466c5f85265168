"""Figure builders for comparing cells and showing memory: pure functions from numbers to go.Figure."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from gru_viz.figures import LINE_COLOURS, _f32

CELL_COLOURS = {"gru": LINE_COLOURS[0], "lstm": LINE_COLOURS[1], "rnn": LINE_COLOURS[2]}  # blue, orange, green
CELL_DASHES = {"gru": "solid", "lstm": "dashdot", "rnn": "longdash"}  # a second cue besides colour
CELL_LABELS = {"gru": "GRU", "lstm": "LSTM", "rnn": "plain RNN"}
BASELINE_COLOUR = "#999999"
# a legend under the plot grows downwards as a narrow screen wraps it, instead of covering the lines
LEGEND_BELOW = dict(orientation="h", x=0, xanchor="left", y=-0.22, yanchor="top")
KEY_COLOUR = "#555555"  # dark grey: the line colours are all taken by cells or units


def _log_range(values, floor: float = 1e-12) -> list[float]:
    """A log10 axis range covering the positive values, padded a little."""
    v = np.asarray([x for x in np.ravel(values) if np.isfinite(x) and x > floor], dtype=np.float64)
    if v.size == 0:
        return [-1.0, 0.0]
    lo, hi = math.log10(v.min()), math.log10(v.max())
    pad = max(0.1, 0.05 * (hi - lo))
    return [lo - pad, hi + pad]


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _log_ticks(axis_range: list[float], most: int = 7) -> dict:
    """Ticks of a log axis, each labelled in full: 1, 2 and 5 of each decade when the range is narrow (0.05, not
    the bare "5" Plotly writes between decades), else whole decades, as powers of ten over five decades or more."""
    lo, hi = axis_range
    narrow = hi - lo < 2
    every = 1 if narrow else max(1, math.ceil((hi - lo) / most))
    first = math.floor(lo / every) * every  # decades that are multiples of `every`, so 10⁰ is one of them
    values = [m * 10.0 ** k for k in range(first, math.ceil(hi) + 1, every) for m in ((1, 2, 5) if narrow else (1,))
              if lo <= math.log10(m * 10.0 ** k) <= hi]
    plain = hi - lo < 5  # 0.001 reads easier than 10⁻³; 10⁻¹⁸ easier than 0.000000000000000001
    text = [f"{v:.3g}" if plain else "10" + str(round(math.log10(v))).translate(_SUPERSCRIPTS) for v in values]
    return dict(tickmode="array", tickvals=values, ticktext=text)


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    return f"rgba({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)}, {alpha})"


def loss_panel(spreads: dict, baseline: float, loss_name: str, against: str, x_max: float, y_range: list[float],
               legend: bool = True, height: int = 380) -> go.Figure:
    """Training loss of each cell against "step" or "seconds" of training, log scale: the median over the seeds,
    and a band from the lowest to the highest seed when there are several; dashed, the loss without memory.

    spreads: cell → comparison.Spread. Two panels (step, seconds) share y_range (see loss_range).
    """
    data = []
    for cell, s in spreads.items():
        colour = CELL_COLOURS.get(cell, LINE_COLOURS[3])
        name = CELL_LABELS.get(cell, cell)
        x = s.step if against == "step" else s.seconds
        if len(s.step) and not np.array_equal(s.low, s.high):  # the upper edge, then the lower one filled up to it
            data.append(dict(type="scatter", x=_f32(x), y=_f32(s.high), mode="lines", line=dict(width=0),
                             legendgroup=cell, showlegend=False, hoverinfo="skip"))
            data.append(dict(type="scatter", x=_f32(x), y=_f32(s.low), mode="lines", line=dict(width=0),
                             fill="tonexty", fillcolor=_rgba(colour, 0.18), legendgroup=cell, showlegend=False,
                             hoverinfo="skip"))
        unit = "step %{x}" if against == "step" else "%{x:.2f} s"
        data.append(dict(type="scatter", x=_f32(x), y=_f32(s.median), mode="lines", name=name, legendgroup=cell,
                         showlegend=legend, line=dict(color=colour, width=2.5, dash=CELL_DASHES.get(cell, "solid")),
                         hovertemplate=f"{name}, {unit}: median loss %{{y:.4g}}<extra></extra>"))
    title = "training step" if against == "step" else "seconds of training (wall clock)"
    return go.Figure(data=data, layout=dict(
        template="plotly_white", height=height, margin=dict(l=70, r=20, t=60 if legend else 30, b=50),
        font=dict(size=13), hovermode="closest",
        xaxis=dict(range=[0, max(x_max, 1e-3)], fixedrange=True, title=dict(text=title)),
        yaxis=dict(type="log", range=y_range, fixedrange=True, title=dict(text=f"training loss ({loss_name})"),
                   **_log_ticks(y_range)),
        legend=dict(orientation="h", x=0, y=1.14),
        shapes=[dict(type="line", xref="x domain", x0=0, x1=1, y0=baseline, y1=baseline,
                     line=dict(color=BASELINE_COLOUR, dash="dash", width=1.5))],
        annotations=[dict(text=f"no memory: {baseline:.3g}", xref="x domain", x=1, xanchor="right",
                          y=math.log10(baseline), yanchor="bottom", showarrow=False,
                          font=dict(size=12, color="#555555"))]))


def loss_range(spreads: dict, baseline: float) -> list[float]:
    """The log10 y range that holds every seed's loss and the no-memory line."""
    return _log_range([baseline] + [v for s in spreads.values() for v in np.ravel(s.low)]
                      + [v for s in spreads.values() for v in np.ravel(s.high)])


def loss_curves(spreads: dict, baseline: float, loss_name: str, total_steps: int) -> tuple[go.Figure, go.Figure]:
    """The two panels of a comparison: loss against step, and against seconds of training, on the same y axis."""
    y_range = loss_range(spreads, baseline)
    longest = max([float(np.max(s.seconds)) for s in spreads.values() if len(s.seconds)] + [1e-3]) * 1.03
    return (loss_panel(spreads, baseline, loss_name, "step", total_steps, y_range),
            loss_panel(spreads, baseline, loss_name, "seconds", longest, y_range, legend=False))


def influence_figure(influence: dict, key_steps=(), height: int = 440) -> go.Figure:
    """|∂y/∂x_t| against t for each (cell, trained?) on a log scale, with the task's key inputs marked.

    influence: (cell, trained) → (T,) array. Trained networks are solid lines, untrained ones dotted.
    """
    data, T = [], 1
    for (cell, trained), values in influence.items():
        values = np.asarray(values, dtype=np.float64)
        T = max(T, len(values))
        name = f"{CELL_LABELS.get(cell, cell)}, {'trained' if trained else 'untrained'}"
        data.append(dict(type="scatter", x=_f32(np.arange(len(values))), y=np.maximum(values, 1e-30),
                         mode="lines", name=name,
                         line=dict(color=CELL_COLOURS.get(cell, LINE_COLOURS[3]), width=2.5 if trained else 1.5,
                                   dash="solid" if trained else "dot"),
                         hovertemplate=f"{name}, t=%{{x}}: %{{y:.3g}}<extra></extra>"))
    y_range = _log_range([v for values in influence.values() for v in np.ravel(values)], floor=1e-30)
    shapes = [dict(type="line", x0=int(k), x1=int(k), yref="paper", y0=0, y1=1,
                   line=dict(color=KEY_COLOUR, dash="dot", width=1.5)) for k in key_steps]
    notes = [dict(text="key input", x=int(k), y=1, yref="paper", yanchor="bottom", showarrow=False,
                  font=dict(size=12, color=KEY_COLOUR)) for k in key_steps]
    return go.Figure(data=data, layout=dict(
        template="plotly_white", height=height, margin=dict(l=70, r=20, t=40, b=50), font=dict(size=13),
        xaxis=dict(range=[-0.5, T - 0.5], fixedrange=True, title=dict(text="input step t (output read at the end)")),
        yaxis=dict(type="log", range=y_range, fixedrange=True, **_log_ticks(y_range),
                   title=dict(text="influence |∂y/∂xₜ|")),
        legend=LEGEND_BELOW, shapes=shapes, annotations=notes, hovermode="x unified"))


def retention_figure(trained: np.ndarray, untrained: np.ndarray, start: int, units, height: int = 400) -> go.Figure:
    """The share of the state after step start − 1 still present at each later step, for the given units:
    after training (solid) and the same units before training (dotted)."""
    trained, untrained = np.asarray(trained, np.float64), np.asarray(untrained, np.float64)  # (T, H) each
    T, H = trained.shape
    data = []
    for j, unit in enumerate(int(u) for u in units):
        colour = LINE_COLOURS[j % len(LINE_COLOURS)]
        for values, label, dash, width in ((trained, "trained", "solid", 2.5), (untrained, "untrained", "dot", 1.5)):
            # one legend entry per unit (its solid line); the caption says that dotted is before training
            data.append(dict(type="scatter", x=_f32(np.arange(T)), y=_f32(values[:, unit]), mode="lines",
                             name=f"unit {unit}", legendgroup=str(unit), showlegend=label == "trained",
                             line=dict(color=colour, dash=dash, width=width),
                             hovertemplate=f"unit {unit} ({label}), t=%{{x}}: %{{y:.3f}}<extra></extra>"))
    shapes = [dict(type="line", x0=start - 0.5, x1=start - 0.5, yref="paper", y0=0, y1=1,
                   line=dict(color=KEY_COLOUR, dash="dot", width=1.5))]
    notes = [dict(text="state stored here", x=start - 0.5, y=1, yref="paper", yanchor="bottom", showarrow=False,
                  font=dict(size=12, color=KEY_COLOUR))]
    return go.Figure(data=data, layout=dict(
        template="plotly_white", height=height, margin=dict(l=70, r=20, t=40, b=50), font=dict(size=13),
        xaxis=dict(range=[-0.5, T - 0.5], fixedrange=True, title=dict(text="time step t")),
        yaxis=dict(range=[-0.02, 1.05], fixedrange=True, title=dict(text="retention ∏ u")),
        legend=LEGEND_BELOW, shapes=shapes, annotations=notes, hovermode="closest"))
