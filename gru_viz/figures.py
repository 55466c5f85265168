"""Figure builders: pure functions from numbers to go.Figure, shared by every page."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from gru_viz.analysis import frame_steps, trajectory_2d
from gru_viz.core import GRUTrace
from gru_viz.raster import heatmap_uri

# Colour-blind safe scales: a sequential one for gates on [0, 1], a diverging one for states on [−1, 1].
GATE_SCALE = "Cividis"
STATE_SCALE = "RdBu_r"
LINE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
CURSOR_COLOUR = "#D55E00"
PANELS = (("r", "r  reset", GATE_SCALE, 0.0, 1.0),
          ("u", "u  update", GATE_SCALE, 0.0, 1.0),
          ("candidate", "ĥ  candidate", STATE_SCALE, -1.0, 1.0),
          ("h", "h  state", STATE_SCALE, -1.0, 1.0))


@dataclass(frozen=True)
class Marker:
    """A step worth pointing at (e.g. a marked input), drawn as a labelled line across the panels."""

    step: int
    label: str


def _f32(a) -> np.ndarray:
    """Figures carry float32: half the bytes of float64 and plenty for a colour or a pixel."""
    return np.asarray(a, dtype=np.float32)


def _image(uri: str, xaxis: str, yaxis: str, x0: float, y_top: float, width: float, height: float) -> dict:
    return dict(source=uri, xref=xaxis, yref=yaxis, x=x0, y=y_top, sizex=width, sizey=height,
                sizing="stretch", xanchor="left", yanchor="top", layer="below")


def _time_cursor(step: float, y0: float, y1: float) -> dict:
    return dict(type="line", xref="x", yref="paper", x0=step, x1=step, y0=y0, y1=y1,
                line=dict(color=CURSOR_COLOUR, width=2))


def _panel_images(trace: GRUTrace) -> list[dict]:
    """The r, u, candidate and h heatmaps of a trace as layout images on axes 2–5."""
    T, H = trace.h.shape
    return [_image(heatmap_uri(getattr(trace, field).T, zmin, zmax, scale), f"x{k}", f"y{k}", -0.5, H - 0.5, T, H)
            for k, (field, _, scale, zmin, zmax) in enumerate(PANELS, start=2)]


def gates_animation(trace: GRUTrace, *, units=None, input_names=None, markers=(), max_frames: int = 100,
                    title: str | None = None, height: int = 780, start_step: int = 0,
                    snapshots: list[tuple[str, GRUTrace]] = ()) -> go.Figure:
    """The whole sequence at once (input, r, u, candidate, h, chosen units) and the 2-D state path,
    animated over time by Plotly's own slider and Play/Pause.

    With `snapshots` (label, trace of the same input under earlier weights), a second slider moves
    through training time: its frames swap the four heatmaps and the unit lines.

    Heatmaps are PNG layout images (see gru_viz.raster): frames never touch them. Each frame moves
    only a cursor (a shape over the heatmaps, a short line in each line panel) and the path marker,
    so playing runs in the browser with no server round trip and no heatmap redraw.
    """
    if trace.h.ndim != 2:
        raise ValueError("gates_animation takes one sequence: a trace with h of shape (T, H)")
    T, H = trace.h.shape
    D = trace.x.shape[1]
    steps = np.arange(T, dtype=np.float32)
    units = list(range(min(H, 4))) if units is None else [int(k) for k in units if 0 <= int(k) < H]
    input_names = list(input_names) if input_names is not None else [f"x{k}" for k in range(D)]
    start = int(np.clip(start_step, 0, T - 1))

    # the time panels stacked on the left, sharing one time range; the state path on the right
    left, gap = 0.62, 0.025
    heights = [0.13, 0.16, 0.16, 0.16, 0.16, 0.15]  # input, r, u, candidate, h, unit lines
    rows, y = [], 1.0
    for hgt in heights:
        rows.append((y - hgt + gap / 2, y - gap / 2))
        y -= hgt
    time_range = [-0.5, T - 0.5]
    data: list[dict] = []  # traces as plain dicts: validated once, by go.Figure at the end
    images: list[dict] = []
    layout = dict(template="plotly_white", height=height, margin=dict(l=70, r=20, t=60 if title else 30, b=90),
                  title=dict(text=title) if title else None, showlegend=False, hovermode="closest",
                  font=dict(size=13))
    for k, (lo, hi) in enumerate(rows, start=1):
        ax = "" if k == 1 else str(k)
        last = k == len(rows)
        layout[f"xaxis{ax}"] = dict(domain=[0, left], range=time_range, anchor=f"y{ax}", fixedrange=True,
                                    showticklabels=last, title=dict(text="time step t") if last else None)
        layout[f"yaxis{ax}"] = dict(domain=[lo, hi], anchor=f"x{ax}", fixedrange=True)

    # row 1: the input, as lines (few channels) or as an image (one-hot text)
    if D <= 4:
        for d in range(D):
            data.append(dict(type="scatter", x=steps, y=_f32(trace.x[:, d]), mode="lines", name=input_names[d],
                             line=dict(color=LINE_COLOURS[d % len(LINE_COLOURS)], width=2),
                             hovertemplate=f"{input_names[d]} at t=%{{x}}: %{{y:.3f}}<extra></extra>",
                             xaxis="x", yaxis="y"))
        lo, hi = float(trace.x.min()), float(trace.x.max())
        pad = 0.1 * (hi - lo) or 0.5
        x_range = [lo - pad, hi + pad]
        layout["yaxis"].update(range=x_range, title=dict(text="input x"))
    else:
        x_range = [-0.5, D - 0.5]
        images.append(_image(heatmap_uri(trace.x.T, 0.0, max(1.0, float(np.abs(trace.x).max())), "Greys"),
                             "x", "y", -0.5, D - 0.5, T, D))
        layout["yaxis"].update(range=x_range, title=dict(text="input x"), showgrid=False, tickfont=dict(size=10),
                               tickvals=list(range(D)), ticktext=input_names)
    data.append(dict(type="scatter", x=_f32([start, start]), y=_f32(x_range), mode="lines", hoverinfo="skip",
                     line=dict(color=CURSOR_COLOUR, width=2), xaxis="x", yaxis="y"))
    cursor_indices = [len(data) - 1]

    # rows 2–5: one image per quantity, units × time, on fixed colour ranges
    panel_at = len(images)  # where the four panel images sit in the images list
    images += _panel_images(trace)
    for k, (field, label, scale, zmin, zmax) in enumerate(PANELS, start=2):
        layout[f"yaxis{k}"].update(title=dict(text=label), range=[-0.5, H - 0.5], showgrid=False, zeroline=False,
                                   tickvals=list(range(H)) if H <= 8 else None)
        layout[f"xaxis{k}"].update(showgrid=False)

    # colour keys beside the heatmaps, one per scale: images and labels placed on the paper, since
    # every extra pair of axes costs the browser ~15 ms per redraw
    key_labels = []
    for pair, scale, lo, hi, name in (((1, 2), GATE_SCALE, 0.0, 1.0, "gate"),
                                      ((3, 4), STATE_SCALE, -1.0, 1.0, "state")):
        bottom, top = rows[pair[1]][0] + 0.02, rows[pair[0]][1] - 0.02
        strip = np.linspace(lo, hi, 64)[:, None]  # (64, 1), bottom = lo
        images.append(_image(heatmap_uri(strip, lo, hi, scale, min_px=(8, 128)), "paper", "paper",
                             left + 0.01, top, 0.015, top - bottom))
        for frac, value in ((0.0, lo), (0.5, (lo + hi) / 2), (1.0, hi)):
            key_labels.append(dict(text=f"{value:g}".replace("-", "−"), xref="paper", yref="paper",
                                   x=left + 0.027, y=bottom + frac * (top - bottom), xanchor="left",
                                   showarrow=False, font=dict(size=11)))
        key_labels.append(dict(text=name, xref="paper", yref="paper", x=left + 0.06, y=(top + bottom) / 2,
                               textangle=-90, showarrow=False, font=dict(size=12)))

    # row 6: chosen units of h as lines, on the fixed range of a tanh
    line_indices = list(range(len(data), len(data) + len(units)))
    for j, unit in enumerate(units):
        data.append(dict(type="scatter", x=steps, y=_f32(trace.h[:, unit]), mode="lines", name=f"h unit {unit}",
                         line=dict(color=LINE_COLOURS[j % len(LINE_COLOURS)], width=2),
                         hovertemplate=f"h unit {unit}, t=%{{x}}: %{{y:.3f}}<extra></extra>",
                         xaxis="x6", yaxis="y6"))
    layout["yaxis6"].update(range=[-1.05, 1.05], title=dict(text="h by unit"))
    data.append(dict(type="scatter", x=_f32([start, start]), y=_f32([-1.05, 1.05]), mode="lines", hoverinfo="skip",
                     line=dict(color=CURSOR_COLOUR, width=2), xaxis="x6", yaxis="y6"))
    cursor_indices.append(len(data) - 1)

    # right: the state path, drawn whole once, with a marker that the frames move
    xy, (xlabel, ylabel) = trajectory_2d(trace.h)
    xy = _f32(xy)
    path_index = len(data)
    data.append(dict(type="scatter", x=xy[:, 0], y=xy[:, 1], mode="lines+markers", name="state path",
                     line=dict(color="#999999", width=1), customdata=steps,
                     marker=dict(size=4, color=steps, colorscale="Viridis", showscale=False),
                     hovertemplate="t=%{customdata}<extra></extra>", xaxis="x7", yaxis="y7"))
    pad_x = 0.1 * float(np.ptp(xy[:, 0]) or 1.0)
    pad_y = 0.1 * float(np.ptp(xy[:, 1]) or 1.0)
    layout["xaxis7"] = dict(domain=[left + 0.17, 1.0], anchor="y7", title=dict(text=xlabel), fixedrange=True,
                            range=[float(xy[:, 0].min()) - pad_x, float(xy[:, 0].max()) + pad_x])
    layout["yaxis7"] = dict(domain=[rows[4][0], rows[1][1]], anchor="x7", title=dict(text=ylabel), fixedrange=True,
                            range=[float(xy[:, 1].min()) - pad_y, float(xy[:, 1].max()) + pad_y])
    data.append(dict(type="scatter", x=xy[start:start + 1, 0], y=xy[start:start + 1, 1], mode="markers", name="now",
                     marker=dict(size=14, color=CURSOR_COLOUR, line=dict(color="white", width=2)),
                     hoverinfo="skip", xaxis="x7", yaxis="y7"))
    animated = cursor_indices + [len(data) - 1]
    annotations = key_labels + [dict(text="hidden-state path" + (" (PCA)" if H > 2 else ""), xref="paper",
                                     yref="paper", x=(left + 0.17 + 1) / 2, y=rows[1][1] + 0.01, showarrow=False,
                                     yanchor="bottom")]

    # key steps of a task (e.g. the marked numbers), as dotted lines over the time panels
    fixed_shapes = []
    for m in markers:
        fixed_shapes.append(dict(type="line", xref="x", yref="paper", x0=m.step, x1=m.step, y0=rows[-1][0],
                                 y1=1.0, line=dict(color="#009E73", width=1.5, dash="dot")))
        annotations.append(dict(text=m.label, x=m.step, xref="x", y=1.0, yref="paper", yanchor="bottom",
                                showarrow=False, font=dict(size=11, color="#006B4F")))
    heat_span = (rows[4][0], rows[1][1])  # the cursor shape covers the four image rows
    layout.update(images=images, annotations=annotations,
                  shapes=[_time_cursor(start, *heat_span)] + fixed_shapes)

    # frames: the cursor traces, the path marker and the cursor shape; nothing else changes
    frame_at = frame_steps(T, max_frames)
    frames = [dict(name=str(t), group="steps", traces=animated,
                   # plain lists: three numbers serialise faster than three tiny typed arrays
                   data=[dict(type="scatter", x=[float(t)] * 2), dict(type="scatter", x=[float(t)] * 2),
                         dict(type="scatter", x=[float(xy[t, 0])], y=[float(xy[t, 1])])],
                   layout=dict(shapes=[_time_cursor(t, *heat_span)] + fixed_shapes))
              for t in frame_at]
    # redraw=False: moving three small traces; a full redraw per frame would stutter
    frame_args = dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))
    layout["sliders"] = [dict(
        active=int(min(np.searchsorted(frame_at, start), len(frame_at) - 1)), x=0.24, len=left - 0.24, y=0,
        yanchor="top", pad=dict(t=45), currentvalue=dict(prefix="step t = ", font=dict(size=13)),
        steps=[dict(label=str(t), method="animate", args=[[str(t)], frame_args]) for t in frame_at],
    )]
    if snapshots:  # training time: each frame swaps the heatmaps and the unit lines, nothing else
        still = cursor_indices + [path_index, len(data) - 1]
        for k, (label, snap) in enumerate(snapshots):
            swapped = images[:panel_at] + _panel_images(snap) + images[panel_at + len(PANELS):]
            # plotly.js blanks every subplot without a trace in the frame, so the other scatter
            # traces ride along unchanged
            frames.append(dict(name=f"snapshot {k}", group="training", traces=line_indices + still,
                               data=[dict(type="scatter", y=_f32(snap.h[:, unit])) for unit in units]
                               + [dict(type="scatter") for _ in still],
                               layout=dict(images=swapped)))
        layout["sliders"].append(dict(
            active=len(snapshots) - 1, x=0.24, len=left - 0.24, y=0, yanchor="top", pad=dict(t=125),
            currentvalue=dict(prefix="weights after training step ", font=dict(size=13)),
            steps=[dict(label=label, method="animate", args=[[f"snapshot {k}"], frame_args])
                   for k, (label, _) in enumerate(snapshots)]))
        layout["height"] = height + 80
        layout["margin"]["b"] = 170
    play_ms = max(40, int(4000 / len(frame_at)))  # a whole sequence plays in about four seconds
    layout["updatemenus"] = [dict(
        type="buttons", direction="left", x=0.0, y=0, xanchor="left", yanchor="top", pad=dict(t=52, r=8),
        showactive=False,
        buttons=[dict(label="▶ Play", method="animate",
                      args=["steps", dict(frame=dict(duration=play_ms, redraw=False), fromcurrent=True,
                                       transition=dict(duration=0), mode="immediate")]),
                 dict(label="❚❚ Pause", method="animate", args=[[None], frame_args])],
    )]
    return go.Figure(data=data, layout=layout, frames=frames)


def caption_for(trace: GRUTrace, step: int) -> str:
    """A one-paragraph text alternative for the gates figure, with its key numbers."""
    T, H = trace.h.shape
    t = int(np.clip(step, 0, T - 1))
    return (f"Heatmaps of the reset gate, update gate, candidate and hidden state for {H} unit(s) over {T} steps. "
            f"Mean r = {trace.r.mean():.2f}, mean u = {trace.u.mean():.2f}; "
            f"h ranges from {trace.h.min():.2f} to {trace.h.max():.2f}. "
            f"At step {t}: mean u = {trace.u[t].mean():.2f}, mean |h| = {np.abs(trace.h[t]).mean():.2f}.")


def challenge_figure(h: np.ndarray, impulses, goal_steps, threshold: float, height: int = 260) -> go.Figure:
    """The one-unit state over time with the impulses marked and the level's checkpoints shaded."""
    h = _f32(h)
    steps = np.arange(len(h), dtype=np.float32)
    shapes = [dict(type="line", x0=s, x1=s, y0=-1.05, y1=1.05, line=dict(color="#009E73", dash="dot"))
              for s, _ in impulses]
    shapes += [dict(type="rect", x0=s - 0.5, x1=s + 0.5, y0=-1.05, y1=1.05, fillcolor="#E69F00", opacity=0.25,
                    line=dict(width=0)) for s in goal_steps]
    shapes += [dict(type="line", x0=0, x1=len(h) - 1, y0=v, y1=v, line=dict(color="#999999", dash="dash", width=1))
               for v in (threshold, -threshold) if v]
    return go.Figure(
        data=[dict(type="scatter", x=steps, y=h, mode="lines+markers", marker=dict(size=4),
                   line=dict(color=LINE_COLOURS[0], width=2), hovertemplate="t=%{x}: h=%{y:.3f}<extra></extra>")],
        layout=dict(template="plotly_white", height=height, margin=dict(l=50, r=10, t=10, b=40), shapes=shapes,
                    xaxis=dict(title=dict(text="time step t"), fixedrange=True),
                    yaxis=dict(title=dict(text="h"), range=[-1.05, 1.05], fixedrange=True), showlegend=False))


def trace_csv(trace: GRUTrace, input_names=None) -> str:
    """The whole trace as CSV: one row per step, one column per input, gate and unit."""
    T, H = trace.h.shape
    names = list(input_names) if input_names is not None else [f"x{k}" for k in range(trace.x.shape[1])]
    header = ["step", *[f"x[{n}]" for n in names]]
    blocks = [np.arange(T)[:, None], trace.x]
    for field in ("r", "u", "candidate", "h"):
        header += [f"{field}[{k}]" for k in range(H)]
        blocks.append(getattr(trace, field))
    table = np.hstack(blocks)  # (T, 1 + D + 4H)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")  # quotes names that hold commas or quotes
    writer.writerow(header)
    writer.writerows([str(int(row[0]))] + [f"{v:.6g}" for v in row[1:]] for row in table)
    return out.getvalue()


def learning_curve(steps, losses, val_steps, vals, baseline: float, metric: str, total_steps: int,
                   height: int = 300) -> go.Figure:
    """Training loss and validation score against step; dashed: the validation score without memory."""
    data = [dict(type="scatter", x=_f32(steps), y=_f32(losses), mode="lines", name="training loss",
                 line=dict(color=LINE_COLOURS[0], width=2)),
            dict(type="scatter", x=_f32(val_steps), y=_f32(vals), mode="lines+markers", name=f"validation {metric}",
                 line=dict(color=LINE_COLOURS[1], width=2), yaxis="y2" if metric == "accuracy" else "y")]
    layout = dict(template="plotly_white", height=height, margin=dict(l=60, r=60, t=30, b=40),
                  xaxis=dict(title=dict(text="training step"), range=[0, max(total_steps, 1)]),
                  yaxis=dict(title=dict(text="loss" if metric == "accuracy" else "MSE"), rangemode="tozero"),
                  legend=dict(orientation="h", y=1.12, x=0),
                  shapes=[dict(type="line", xref="paper", x0=0, x1=1, y0=baseline, y1=baseline,
                               yref="y2" if metric == "accuracy" else "y", line=dict(dash="dash", color="#999999"))],
                  annotations=[dict(text=f"no memory: {baseline:.3g}", xref="paper", x=1, xanchor="right",
                                    y=baseline, yref="y2" if metric == "accuracy" else "y", showarrow=False,
                                    yanchor="bottom", font=dict(size=11, color="#666666"))])
    if metric == "accuracy":
        layout["yaxis2"] = dict(title=dict(text="accuracy"), overlaying="y", side="right", range=[0, 1.02])
    return go.Figure(data=data, layout=layout)


def saturation_figure(r: np.ndarray, u: np.ndarray, height: int = 360) -> go.Figure:
    """Per unit, the share of steps each gate spends shut (below 0.1) against open (above 0.9), after Karpathy,
    Johnson & Fei-Fei (2015). The corners are gates that barely change (always open, top left; always shut,
    bottom right); switches lie along the diagonal x + y = 1 between them; the origin stays in between."""
    from gru_viz.analysis import gate_saturation

    data = []
    for gate, values, colour, symbol in (("r", r, "#D55E00", "circle"), ("u", u, "#0072B2", "diamond")):
        low, high = gate_saturation(values)
        units = np.arange(len(low))
        data.append(dict(type="scatter", x=_f32(low), y=_f32(high), mode="markers", name=f"{gate} gate",
                         customdata=units, marker=dict(size=11, color=colour, symbol=symbol, opacity=0.8,
                                                       line=dict(color="white", width=1)),
                         hovertemplate=f"{gate}, unit %{{customdata}}: below 0.1 %{{x:.0%}}, above 0.9 %{{y:.0%}}"
                                       "<extra></extra>"))
    return go.Figure(data=data, layout=dict(
        template="plotly_white", height=height, margin=dict(l=60, r=20, t=30, b=50),
        xaxis=dict(title=dict(text="share of steps shut (gate below 0.1)"), range=[-0.03, 1.03], tickformat=".0%"),
        yaxis=dict(title=dict(text="share of steps open (gate above 0.9)"), range=[-0.03, 1.03], tickformat=".0%"),
        shapes=[dict(type="line", x0=0, y0=1, x1=1, y1=0, line=dict(color="#bbbbbb", dash="dot"))],
        annotations=[dict(text=text, x=x, y=y, xanchor=xa, yanchor=ya, showarrow=False,
                          font=dict(size=12, color="#555555"))
                     for text, x, y, xa, ya in (("always open", 0.01, 1.0, "left", "top"),
                                                ("always shut", 1.0, 0.02, "right", "bottom"),
                                                ("switches", 0.52, 0.52, "left", "bottom"),
                                                ("in between", 0.01, 0.02, "left", "bottom"))],
        legend=dict(orientation="h", y=1.1, x=0)))
