"""The gates chart: one sequence through a GRU as a JSON-ready spec that the browser's chart element draws.

The spec carries the numbers once (float32, base64) and a Plotly figure whose arrays point at them
({"$a": name, "col": k}), so the heatmaps, the unit lines, the state path, the numbers table and the
cell diagram all read the same values. The browser only looks numbers up and displays them; every
number comes from the NumPy core (gru_viz.core.run_gru). Pure: no Streamlit, no browser.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json

import numpy as np

from gru_viz import diagram
from gru_viz.analysis import trajectory_2d
from gru_viz.core import GRUTrace
from gru_viz.figures import CURSOR_COLOUR, GATE_SCALE, LINE_COLOURS, PANELS, STATE_SCALE
from gru_viz.raster import colour_lut, heatmap_uri

FIELDS = ("r", "u", "candidate", "h")
NODE_KINDS = {"x": "state", "h_prev": "state", "r": "gate", "u": "gate", "candidate": "state", "h": "state"}
LUT_SIZE = 512  # diagram fill colours per scale: neighbours differ by less than one RGB unit
MAX_SNAPSHOT_FLOATS = 600_000  # ~3 MB of base64: beyond it, training snapshots are thinned evenly
PLAY_SECONDS = 4.0  # a whole sequence plays in about four seconds
MAX_LINES = len(LINE_COLOURS)  # unit lines drawn at once, one colour each


# Heatmap rows sit on a fixed [0, 1] axis whatever their number: the browser writes the row labels beside it,
# so a new H or input alphabet costs plotly.js no axis redraw.
HEAT_AXIS = dict(range=[0.0, 1.0], showticklabels=False, showgrid=False, zeroline=False)


def row_ticks(labels: list[str]) -> list[list]:
    """Labels for heatmap rows, [centre on the [0, 1] axis, text]: every row up to 6 rows, else every 2nd, 5th,
    10th... row, at most five labels (a panel is 80–110 px high; the hover names every row)."""
    n = len(labels)
    every = 1 if n <= 6 else next(step for step in (2, 5, 10, 20, 50, 100, 1000) if n / step <= 5)
    return [[(k + 0.5) / n, labels[k]] for k in range(0, n, every)]


def encode_f32(a) -> str:
    """An array as base64 of its float32 bytes, row-major (the browser reads it as a Float32Array)."""
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def _ref(name: str, col: int | None = None) -> dict:
    """A pointer from the figure into the spec's arrays: the whole (T, n) array, or its column col."""
    return {"$a": name} if col is None else {"$a": name, "col": int(col)}


def _arrays(trace: GRUTrace, path: np.ndarray) -> dict:
    return {**{field: encode_f32(getattr(trace, field)) for field in FIELDS}, "path": encode_f32(path)}


def path_box(final: GRUTrace, snapshots=()) -> tuple[np.ndarray, list[np.ndarray], dict]:
    """The state path of the trace and of every snapshot inside the fixed box [−1, 1]², all in the final
    trace's 2-D coordinates (moving through training time moves the path, not the axes), and what the
    two axes show: {"x": ..., "y": ...}."""
    T, H = final.h.shape
    xy, (xlabel, ylabel) = trajectory_2d(final.h)  # (T, 2)
    paths = [trajectory_2d(snap.h, reference=final.h)[0] for _, snap in snapshots]
    if H == 1:  # h against time: time spread over the box, h as it is (it lies in [−1, 1])
        def fit(a):
            return np.column_stack([2 * a[:, 0] / max(T - 1, 1) - 1, a[:, 1]])
        labels = {"x": "time t →", "y": "h (unit 0)"}
    elif H == 2:  # the two units as they are
        def fit(a):
            return a
        labels = {"x": "unit 0 →", "y": "unit 1"}
    else:  # one scale for both components keeps the shape; it is said in the caption
        scale = max(float(np.abs(np.vstack([xy, *paths])).max()), 1e-12)

        def fit(a):
            return a / scale
        labels = {"x": f"{xlabel}, scaled to fit →", "y": ylabel.replace(" of variance", "")}
    return fit(xy), [fit(p) for p in paths], labels


def _thin(snapshots, T: int, H: int) -> list:
    """At most as many snapshots as MAX_SNAPSHOT_FLOATS allows, evenly spaced, the last one always kept."""
    per = 4 * T * H + 2 * T
    keep = max(2, MAX_SNAPSHOT_FLOATS // max(per, 1))
    if len(snapshots) <= keep:
        return list(snapshots)
    picks = np.unique(np.linspace(0, len(snapshots) - 1, keep).round().astype(int))
    return [snapshots[i] for i in picks]


@functools.lru_cache(maxsize=4)
def colour_key(scale: str) -> str:
    """A vertical colour key of a scale as a PNG data URI (bottom = low end), the same for every chart."""
    return heatmap_uri(np.linspace(0.0, 1.0, 64)[:, None], 0.0, 1.0, scale, min_px=(8, 128))  # (64, 1)


@functools.lru_cache(maxsize=1)
def diagram_palette() -> dict:
    """The cell diagram's fill and text colours for evenly spaced values on each scale, from gru_viz.diagram."""
    out = {}
    for kind, (lo, hi) in diagram.KIND_RANGE.items():
        fills = [diagram.value_colour(v, kind) for v in np.linspace(lo, hi, LUT_SIZE)]
        out[kind] = {"lo": lo, "hi": hi, "fill": "".join(f[1:] for f in fills),  # "RRGGBB" × LUT_SIZE
                     "ink": [diagram.text_colour(f) for f in fills]}
    out["neutral"] = {"fill": diagram.NEUTRAL, "ink": diagram.text_colour(diagram.NEUTRAL)}
    return out


def step_values(trace: GRUTrace, t: int) -> dict:
    """The numbers of one step, keyed as gru_viz.diagram.cell_svg takes them."""
    return dict(x=trace.x[t], h_prev=trace.h_prev[t], r=trace.r[t], u=trace.u[t], candidate=trace.candidate[t],
                h=trace.h[t])


def _layout(T: int, H: int, x_range, heat_rows: list[str], markers, title: str | None, height: int,
            narrow: bool) -> dict:
    """The figure's layout: the six time panels stacked on one time axis, colour keys beside the heatmaps and the
    state path to their right (wide) or under them (narrow, for phones). Every axis range here depends on T
    and the input only: a new H, seed or weights moves no axis."""
    left = 0.86 if narrow else 0.62  # right edge of the time panels
    band = (0.3, 1.0) if narrow else (0.0, 1.0)  # where the time panels sit, in paper height
    gap = 0.025 * (band[1] - band[0])
    rows, y = [], band[1]
    for share in (0.13, 0.16, 0.16, 0.16, 0.16, 0.15):  # input, r, u, candidate, h, unit lines
        hgt = share * (band[1] - band[0])
        rows.append((y - hgt + gap / 2, y - gap / 2))
        y -= hgt
    margin_top = 60 if title else 24
    layout = dict(template="plotly_white", height=round(height * 1.25) if narrow else height,
                  margin=dict(l=70, r=12 if narrow else 20, t=margin_top, b=50), showlegend=False,
                  hovermode="closest", font=dict(size=13), dragmode=False,
                  title=dict(text=html.escape(title)) if title else None)
    # one time axis for the six panels (anchored under the lowest), so a new T moves one axis, not six
    layout["xaxis"] = dict(domain=[0, left], range=[-0.5, T - 0.5], anchor="y6", fixedrange=True, showgrid=False,
                           zeroline=False, title=dict(text="time step t"))
    for k, (lo, hi) in enumerate(rows, start=1):
        layout[f"yaxis{'' if k == 1 else k}"] = dict(domain=[lo, hi], anchor="x", fixedrange=True)
    if x_range is None:  # one-hot input: an image, like the heatmaps
        layout["yaxis"].update(title=dict(text="input x"), **HEAT_AXIS)
    else:
        layout["yaxis"].update(range=list(x_range), title=dict(text="input x"))
    for k, (_, label, *_) in enumerate(PANELS, start=2):
        layout[f"yaxis{k}"].update(title=dict(text=label), **HEAT_AXIS)
    layout["yaxis6"].update(range=[-1.05, 1.05], title=dict(text="h by unit"))

    # the heatmap images (their pictures come from the browser), then the colour keys beside them: static PNG
    # strips on the paper, which cost no extra axes to lay out
    images = [dict(source={"$img": i}, xref="x", yref=axis, x=-0.5, y=1.0, sizex=T, sizey=1.0, sizing="stretch",
                   xanchor="left", yanchor="top", layer="below") for i, axis in enumerate(heat_rows)]
    annotations = []
    for pair, scale, lo, hi, name in (((1, 2), GATE_SCALE, 0.0, 1.0, "gate"),
                                      ((3, 4), STATE_SCALE, -1.0, 1.0, "state")):
        bottom, top = rows[pair[1]][0] + 0.02, rows[pair[0]][1] - 0.02
        images.append(dict(source=colour_key(scale), xref="paper", yref="paper", x=left + 0.01, y=top,
                           sizex=0.015, sizey=top - bottom, sizing="stretch", xanchor="left", yanchor="top",
                           layer="below"))
        for frac, value in ((0.0, lo), (0.5, (lo + hi) / 2), (1.0, hi)):
            annotations.append(dict(text=f"{value:g}".replace("-", "−"), xref="paper", yref="paper",
                                    x=left + 0.028, y=bottom + frac * (top - bottom), xanchor="left",
                                    showarrow=False, font=dict(size=11)))
        annotations.append(dict(text=name, xref="paper", yref="paper", x=left + 0.0175, y=top + 0.004,
                                xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=11)))

    # the state path in a fixed box (its meaning is told in the element's caption, not in axis titles)
    box = dict(fixedrange=True, range=[-1.1, 1.1], showticklabels=False, showgrid=False, zeroline=True)
    if narrow:
        path_x, path_y = [0.12, 0.88], [0.0, 0.2]
    else:
        path_x, path_y = [left + 0.1, 1.0], [rows[4][0], rows[1][1]]
    layout["xaxis7"] = dict(domain=path_x, anchor="y7", **box)
    layout["yaxis7"] = dict(domain=path_y, anchor="x7", **box)
    annotations.append(dict(text="hidden-state path", xref="paper", yref="paper", x=sum(path_x) / 2,
                            y=path_y[1] + 0.01, showarrow=False, yanchor="bottom"))

    # key steps of a task (e.g. the marked numbers), as dotted lines over the time panels
    shapes = []
    for m in markers:
        shapes.append(dict(type="line", xref="x", yref="paper", x0=m.step, x1=m.step, y0=rows[-1][0], y1=band[1],
                           line=dict(color="#009E73", width=1.5, dash="dot")))
        annotations.append(dict(text=html.escape(m.label), x=m.step, xref="x", y=band[1], yref="paper",
                                yanchor="bottom", showarrow=False, font=dict(size=11, color="#006B4F")))
    layout.update(images=images, annotations=annotations, shapes=shapes)
    return layout


def gates_chart(trace: GRUTrace, *, units=None, input_names=None, markers=(), title: str | None = None,
                height: int = 760, snapshots: list[tuple[str, GRUTrace]] = ()) -> dict:
    """The whole sequence at once (input, r, u, candidate, h, units as lines, the 2-D state path) with the
    numbers for every step, for the browser's gates chart element (pages/_chart.py).

    Every unit has its line trace (meta.unit = k); `units` are the ones drawn at first (at most MAX_LINES), the
    element's own unit picker chooses others without a rerun. Unit lines take LINE_COLOURS by their position among
    the drawn ones.

    With `snapshots` (label, trace of the same input under earlier weights, oldest first), a second
    slider moves through training time; the last snapshot should be `trace` itself.
    """
    if trace.h.ndim != 2:
        raise ValueError("gates_chart takes one sequence: a trace with h of shape (T, H)")
    T, H = trace.h.shape
    D = trace.x.shape[1]
    units = list(range(min(H, 4))) if units is None else sorted({int(k) for k in units if 0 <= int(k) < H})
    units = units[:MAX_LINES]
    names = [str(n) for n in input_names] if input_names is not None else [f"x{k}" for k in range(D)]
    shown = [html.escape(n) for n in names]  # Plotly reads trace names and hover text as HTML
    snapshots = _thin(list(snapshots), T, H)
    xy, snap_paths, path_labels = path_box(trace, snapshots)

    data: list[dict] = []
    heat: list[dict] = []  # the heatmaps: which array, on which axis, on which colour scale, with which row labels
    # row 1: the input, as lines (few channels) or as a heatmap image (one-hot text)
    if D <= 4:
        for d in range(D):
            data.append(dict(type="scatter", y=_ref("x", d), x0=0, dx=1, mode="lines", name=shown[d],
                             line=dict(color=LINE_COLOURS[d % len(LINE_COLOURS)], width=2),
                             hovertemplate=f"{shown[d]} at t=%{{x}}: %{{y:.3f}}<extra></extra>", yaxis="y"))
        x_min, x_max = float(trace.x.min()), float(trace.x.max())
        pad = 0.1 * (x_max - x_min) or 0.5
        x_range = (x_min - pad, x_max + pad)
    else:
        heat.append(dict(field="x", label="input", y="y", lo=0.0, hi=max(1.0, float(np.abs(trace.x).max())),
                         scale="Greys", open=False, ticks=row_ticks(names)))
        data.append(dict(type="scatter", x=[], y=[], hoverinfo="skip", yaxis="y"))  # keeps the subplot
        x_range = None

    # rows 2–5: one heatmap per quantity, units × time, on fixed colour ranges, drawn by the browser as an image
    # (a heatmap trace would make plotly.js recompute and redraw every subplot on each change); a click opens One step
    for k, (field, label, scale, zmin, zmax) in enumerate(PANELS, start=2):
        heat.append(dict(field=field, label=label.split()[0], y=f"y{k}", lo=zmin, hi=zmax, scale=scale, open=True,
                         ticks=row_ticks([str(unit) for unit in range(H)])))
        data.append(dict(type="scatter", x=[], y=[], hoverinfo="skip", yaxis=f"y{k}"))  # the subplot

    # row 6: every unit as a line, the chosen ones visible (the browser's unit picker shows others)
    for unit in range(H):
        shown = unit in units
        colour = LINE_COLOURS[(units.index(unit) if shown else unit) % len(LINE_COLOURS)]
        data.append(dict(type="scatter", y=_ref("h", unit), x0=0, dx=1, mode="lines", name=f"h unit {unit}",
                         line=dict(color=colour, width=2), visible=shown, meta={"unit": unit},
                         hovertemplate=f"h unit {unit}, t=%{{x}}: %{{y:.3f}}<extra></extra>", yaxis="y6"))

    # the state path, drawn whole; the browser moves a marker along it. A plain line: 200 markers coloured by
    # time made each update of this one trace cost more than all the others together
    data.append(dict(type="scatter", x=_ref("path", 0), y=_ref("path", 1), mode="lines", name="state path",
                     line=dict(color="#777777", width=1.5), hovertemplate="t=%{pointNumber}<extra></extra>",
                     xaxis="x7", yaxis="y7"))

    rows = [h["y"] for h in heat]
    # the diagram's picture without numbers (the browser fills them in): the same text for every chart of these
    # sizes, so a new chart of the same sizes keeps the browser's diagram and only recolours it
    blank = {key: np.zeros_like(value) for key, value in step_values(trace, 0).items()}
    spec = {
        "T": T, "H": H, "D": D, "names": names, "units": units, "line_colours": LINE_COLOURS,
        "arrays": {**_arrays(trace, xy), "x": encode_f32(trace.x), "h0": encode_f32(trace.h0)},
        "snapshots": [{"label": label, "arrays": _arrays(snap, path)}
                      for (label, snap), path in zip(snapshots, snap_paths)],
        "figure": {"data": data, "layout": _layout(T, H, x_range, rows, markers, title, height, narrow=False),
                   "layout_narrow": _layout(T, H, x_range, rows, markers, title, height, narrow=True)},
        "heat": heat,
        "scales": {name: base64.b64encode(colour_lut(name).tobytes()).decode("ascii")
                   for name in {h["scale"] for h in heat}},
        "cursor": {"span": ["y", "y6"], "path": ["x7", "y7"], "colour": CURSOR_COLOUR},
        "path_labels": path_labels,
        "diagram": {"svg": diagram.cell_svg(blank), "kinds": NODE_KINDS, "palette": diagram_palette()},
        "play_ms": max(40, int(1000 * PLAY_SECONDS / T)), "play_stride": max(1, round(T / 100)),
    }
    spec["id"] = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    return spec


def one_step_handoff(weights, trace: GRUTrace, step: int, unit: int, source: str) -> dict:
    """What the One step page needs to put one step of a chart under the microscope: the same weights, that
    step's input x_t (D,) and the state it started from h_(t−1) (H,), which step and unit, and where it came from."""
    return dict(weights=weights, x=np.array(trace.x[step], dtype=np.float64),
                h_prev=np.array(trace.h_prev[step], dtype=np.float64), step=int(step), unit=int(unit), source=source)


def resolve(spec: dict, snapshot: int | None = None, narrow: bool = False) -> tuple[list[dict], dict]:
    """The Plotly data and layout with every array pointer replaced by its numbers, as the browser does it
    (for tests and for anyone who wants a plain go.Figure of the chart)."""
    arrays = spec["arrays"] if snapshot is None else {**spec["arrays"], **spec["snapshots"][snapshot]["arrays"]}
    T = spec["T"]

    def decode(name):
        values = np.frombuffer(base64.b64decode(arrays[name]), dtype="<f4")
        return values.reshape(T, -1) if name != "h0" else values

    def walk(obj):
        if isinstance(obj, dict):
            if "$a" in obj:
                a = decode(obj["$a"])
                return a[:, obj["col"]] if "col" in obj else a
            return {k: walk(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [walk(v) for v in obj]
        return obj

    return walk(spec["figure"]["data"]), spec["figure"]["layout_narrow" if narrow else "layout"]
