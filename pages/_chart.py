"""The gates chart element: a Streamlit component (v2) that owns a plotly.js figure and updates it in place.

Its code is static/gates_chart.js, and plotly.js is static/plotly-basic.min.js (plotly.js's basic bundle, the same
version as the plotly package's; see static/README.md), both served by Streamlit's static serving at app/static/:
the browser fetches them once, and a rerun sends only the loader below and the chart's data.
Python → browser: the spec from gru_viz.gates_chart (as JSON text, written once per spec), the step and the text
alternative. Browser → Python: the step where the cursor came to rest ("step", at most one rerun per pause or drag)
and a request to open a step and unit in One step ("open", a trigger).
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

STATIC = Path(__file__).resolve().parent.parent / "static"
VERSION = hashlib.sha1((STATIC / "gates_chart.js").read_bytes()).hexdigest()[:12]  # a new file, a new URL

# Resolved against the page's address, so the app also works under a server.baseUrlPath.
LOADER = """export default function (component) {
  const url = new URL("app/static/gates_chart.js?v=%s", document.baseURI).href;
  return import(url).then((module) => module.mount(component)).catch((err) => {
    console.error("gates chart:", err);
    const note = document.createElement("div");
    note.setAttribute("role", "alert");
    note.textContent = "The chart could not be loaded (" + err.message + "). Reload the page to try again.";
    component.parentElement.replaceChildren(note);
  });
}""" % VERSION

CSS = """
.gv-chart [hidden] { display: none !important; }
.gv-chart { font-family: var(--st-font, sans-serif); color: var(--st-text-color, #31333f); }
.gv-error { background: #fdecea; color: #8a1c12; border-radius: 0.5rem; padding: 0.5rem 0.75rem; margin: 0.25rem 0; }
.gv-controls { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; margin: 0.25rem 0 0.5rem; }
.gv-controls input[type=range] { flex: 1 1 12rem; min-width: 8rem; accent-color: #D55E00; height: 1.5rem; }
.gv-chart button, .gv-chart select { font: inherit; font-size: 1rem; padding: 0.3rem 0.9rem; border-radius: 0.5rem;
  border: 1px solid rgba(49, 51, 63, 0.3); background: #fff; color: inherit; cursor: pointer; }
.gv-chart button:hover { border-color: #D55E00; color: #D55E00; }
.gv-chart button:focus-visible, .gv-chart input:focus-visible, .gv-chart select:focus-visible,
.gv-table-box:focus-visible { outline: 2px solid #D55E00; outline-offset: 2px; }
.gv-play { min-width: 7rem; }
.gv-controls output { font-variant-numeric: tabular-nums; min-width: 7.5rem; font-size: 1rem; }
.gv-plot-box { position: relative; width: 100%; background: #fff; }
.gv-heat { position: absolute; inset: 0; pointer-events: none; overflow: hidden; }  /* under the figure */
.gv-heat canvas { position: absolute; image-rendering: pixelated; }  /* one pixel per cell: keep the cells crisp */
.gv-overlay { position: absolute; inset: 0; pointer-events: none; overflow: hidden; }
.gv-lines { position: absolute; left: 0; top: 0; overflow: hidden; }
.gv-row-label { position: absolute; left: 0; text-align: right; font-size: 13px; color: #444; line-height: 1;
  transform: translateY(-50%); white-space: nowrap; overflow: hidden; }
.gv-axis-label { position: absolute; text-align: center; font-size: 0.85rem; color: #444; white-space: nowrap; }
.gv-vertical { transform: rotate(-90deg); transform-origin: left top; }
.gv-tip { position: absolute; background: rgba(255, 255, 255, 0.95); border: 1px solid #888; border-radius: 4px;
  padding: 2px 6px; font-size: 0.9rem; white-space: nowrap; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.2); }
.gv-cursor { position: absolute; width: 2px; background: #D55E00; }
.gv-dot { position: absolute; width: 12px; height: 12px; border-radius: 50%; background: #D55E00;
  border: 2px solid #fff; box-shadow: 0 0 0 1px #D55E00; }
.gv-caption { color: rgba(49, 51, 63, 0.7); font-size: 0.9rem; margin: 0.25rem 0 0; }
.gv-below { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; margin-top: 0.75rem; }
.gv-numbers { flex: 1 1 22rem; min-width: 0; max-width: 44rem; }
/* side by side only where the diagram stays readable */
.gv-diagram { flex: 1 1 44rem; min-width: 0; max-width: 60rem; }
.gv-diagram { overflow-x: auto; }  /* on a phone the diagram keeps a readable size and scrolls sideways in its box */
.gv-diagram svg { width: 100%; min-width: 640px; height: auto; display: block; }
.gv-heading { font-weight: 600; font-size: 1.1rem; margin: 0 0 0.25rem; }
.gv-input { margin: 0 0 0.5rem; overflow-wrap: anywhere; }
.gv-table-box { max-height: 24rem; overflow: auto; border: 1px solid rgba(49, 51, 63, 0.15); border-radius: 0.5rem; }
.gv-table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 0.95rem; }
.gv-table th, .gv-table td { padding: 0.2rem 0.6rem; text-align: right;
  border-bottom: 1px solid rgba(49, 51, 63, 0.1); }
.gv-table thead th { position: sticky; top: 0; background: #f6f6f8; }
.gv-units { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3rem 0.4rem; margin: 0.25rem 0; }
.gv-chart .gv-chip { min-width: 2.4rem; padding: 0.15rem 0.5rem; font-variant-numeric: tabular-nums; }
.gv-chart .gv-chip[aria-pressed=true] { border-color: #31333f; background: #eef0f4; font-weight: 600; }
.gv-chart .gv-chip:disabled { opacity: 0.45; cursor: not-allowed; }
.gv-open { display: flex; align-items: center; gap: 0.5rem; margin-top: 0.5rem; flex-wrap: wrap; }
"""

_component = st.components.v2.component("gru_viz.gates_chart", css=CSS, js=LOADER, isolate_styles=False)


def whole_number_below(value, n: int) -> int | None:
    """value if it is a whole number in [0, n), else None: what a browser sends back is not trusted."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n:
        return value
    return None


def _step_reported(key: str, step_key: str, T: int) -> None:
    """Copy the step where the chart's cursor came to rest into the page's step setting."""
    state = st.session_state.get(key)
    step = whole_number_below(state.get("step") if isinstance(state, dict) else None, T)
    if step is not None:
        st.session_state[step_key] = step


def opened_cell(result, T: int, H: int) -> tuple[int, int] | None:
    """The (step, unit) a click on a heatmap cell asked to open, or None (also for anything out of range)."""
    request = result.get("open") if result is not None else None
    if not isinstance(request, dict):
        return None
    step, unit = whole_number_below(request.get("step"), T), whole_number_below(request.get("unit"), H)
    return None if step is None or unit is None else (step, unit)


BASIC_TRACES = {"scatter", "bar", "pie"}  # what static/plotly-basic.min.js can draw


@functools.lru_cache(maxsize=8)
def _template(name: str) -> dict:
    """A named Plotly template as plotly.js takes it (plotly.js knows no template names)."""
    import plotly.io

    return plotly.io.templates[name].to_plotly_json()


@dataclass(frozen=True)
class ChartJSON:
    """A gates spec or a figure written as JSON once: cached builders keep it, so a rerun sends a string it already
    has (a Train-page rerun wrote 0.4 MB of spec and validated a figure every time: most of its server time)."""

    text: str
    id: str = ""  # a gates spec's id (a hash of the whole spec)
    T: int = 0  # a gates spec's number of steps


def figure_json(figure) -> ChartJSON:
    """A Plotly figure (a go.Figure, or a dict such as gru_viz.figures builds for figures redrawn often) as the app's
    own plotly.js takes it; ValueError for a trace kind its bundle cannot draw."""
    import plotly.io

    if isinstance(figure, dict):
        kinds = {trace.get("type", "scatter") for trace in figure.get("data", ())}
        template = figure.get("layout", {}).get("template")
        if isinstance(template, str):
            figure = {**figure, "layout": {**figure["layout"], "template": _template(template)}}
    else:
        kinds = {trace.type for trace in figure.data}
    if not kinds <= BASIC_TRACES:
        raise ValueError(f"the app's plotly.js bundle draws {sorted(BASIC_TRACES)} traces only, "
                         f"not {sorted(kinds - BASIC_TRACES)}")
    return ChartJSON(plotly.io.to_json(figure, validate=False))


def gates_json(spec: dict) -> ChartJSON:
    """A spec from gru_viz.gates_chart as JSON text, for a cached builder to keep."""
    return ChartJSON(json.dumps(spec, separators=(",", ":")), spec["id"], int(spec["T"]))


def draw_figure(figure, *, key: str, alt: str, config: dict | None = None):
    """Draw a Plotly figure (or its figure_json) with the app's own plotly.js (the one the gates chart loads),
    updated in place."""
    text = (figure if isinstance(figure, ChartJSON) else figure_json(figure)).text
    return _component(key=key, data={"figure": text, "alt": alt, "config": config or {}}, height="content")


_SPEC_TEXTS: OrderedDict[str, ChartJSON] = OrderedDict()  # spec id → its JSON: the id is a hash of the whole spec
_SPEC_TEXTS_LOCK = threading.Lock()
SPEC_TEXTS_KEPT = 4


def spec_text(spec: dict) -> ChartJSON:
    """The spec as JSON, written once per spec for a caller that passes the spec itself (a few are kept: cached
    builders keep theirs with gates_json)."""
    with _SPEC_TEXTS_LOCK:
        chart = _SPEC_TEXTS.get(spec["id"])
        if chart is not None:
            _SPEC_TEXTS.move_to_end(spec["id"])
            return chart
    chart = gates_json(spec)
    with _SPEC_TEXTS_LOCK:
        _SPEC_TEXTS[spec["id"]] = chart
        while len(_SPEC_TEXTS) > SPEC_TEXTS_KEPT:
            _SPEC_TEXTS.popitem(last=False)
    return chart


def draw_gates_chart(spec: dict | ChartJSON, *, key: str, step: int, alt: str, caption: str = "", step_key: str | None = None,
                     can_open: bool = False):
    """Draw (or update in place) the gates chart of a spec from gru_viz.gates_chart; returns the component result.

    alt: the text alternative (the figure's label); caption: shown under the chart (it should not depend on the step,
    which the browser moves without asking Python).

    step_key: the session-state key of the page's step setting, kept equal to the chart's cursor at rest (without
    it the chart never reports its step, so Play and Pause cost no rerun). can_open: a click on a heatmap cell
    asks to open that step and unit (read it with opened_cell)."""
    chart = spec if isinstance(spec, ChartJSON) else spec_text(spec)
    callbacks = {"on_step_change": (lambda: _step_reported(key, step_key, chart.T)) if step_key else None}
    if can_open:
        callbacks["on_open_change"] = lambda: None
    data = {"spec": chart.text, "spec_id": chart.id, "step": int(step), "alt": alt, "caption": caption,
            "report": step_key is not None, "open": can_open}
    return _component(key=key, data=data, height="content", **{k: v for k, v in callbacks.items() if v})
