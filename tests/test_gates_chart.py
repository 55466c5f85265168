"""The gates chart spec (gru_viz.gates_chart) and its element's static files: the numbers it carries are the
core's, its figure is valid Plotly, its axes do not move when only H, the seed or the weights change."""

import base64
import gzip
import json
import re
import tomllib
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import plotly.graph_objects as go
import pytest

from gru_viz import GRUWeights, diagram, presets, run_gru
from gru_viz.figures import Marker
from gru_viz.gates_chart import (LUT_SIZE, MAX_SNAPSHOT_FLOATS, PLAY_SECONDS, diagram_palette, gates_chart,
                                 one_step_handoff, path_box, resolve, row_ticks)
from gru_viz.raster import colour_lut
from gru_viz.sequences import one_hot_text, preset_sequence

ROOT = Path(__file__).resolve().parent.parent


def sine_trace(T=200, H=16, seed=0, kind="random"):
    x, _ = preset_sequence("sine", T)
    return run_gru(presets.preset_weights(kind, 1, H, seed), x)


def decode(spec, name, snapshot=None):
    arrays = spec["arrays"] if snapshot is None else spec["snapshots"][snapshot]["arrays"]
    values = np.frombuffer(base64.b64decode(arrays[name]), dtype="<f4")
    return values if name == "h0" else values.reshape(spec["T"], -1)


def plotly_figure(spec, narrow=False):
    """A go.Figure of the spec (validates every attribute name and value), heatmap pictures left out."""
    data, layout = resolve(spec, narrow=narrow)
    layout = {**layout, "images": [i for i in layout["images"] if isinstance(i["source"], str)]}
    return go.Figure(data=data, layout=layout)


def test_spec_for_t200_h16_is_light_and_valid_plotly():
    spec = gates_chart(sine_trace(), units=(0, 1, 2, 3), input_names=["x"])
    text = json.dumps(spec)
    assert len(text) <= 300_000, len(text)  # the old PNG-frame figure was ~0.5 MB
    for narrow in (False, True):
        fig = plotly_figure(spec, narrow)
        assert not any(t.type == "heatmap" for t in fig.data)  # heatmaps are pictures the browser draws
        assert fig.layout.xaxis.range == (-0.5, 199.5)


def test_the_numbers_are_the_cores():
    trace = sine_trace(T=30, H=3)
    spec = gates_chart(trace)
    for field in ("r", "u", "candidate", "h", "x"):
        np.testing.assert_allclose(decode(spec, field), getattr(trace, field), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(decode(spec, "h0"), trace.h0.astype(np.float32))
    data, _ = resolve(spec)
    units = [t for t in data if t.get("name", "").startswith("h unit")]
    assert [t["name"] for t in units] == ["h unit 0", "h unit 1", "h unit 2"]
    np.testing.assert_allclose(units[2]["y"], trace.h[:, 2], atol=1e-7)


def test_heatmaps_are_the_four_quantities_on_fixed_colour_ranges():
    spec = gates_chart(sine_trace(T=20, H=4))
    assert [(h["field"], h["lo"], h["hi"], h["open"]) for h in spec["heat"]] == [
        ("r", 0.0, 1.0, True), ("u", 0.0, 1.0, True), ("candidate", -1.0, 1.0, True), ("h", -1.0, 1.0, True)]
    images = spec["figure"]["layout"]["images"]
    assert [i["source"] for i in images[:4]] == [{"$img": k} for k in range(4)]
    lut = np.frombuffer(base64.b64decode(spec["scales"]["Cividis"]), np.uint8).reshape(-1, 3)
    np.testing.assert_array_equal(lut, colour_lut("Cividis"))  # the colours the browser paints with


@pytest.mark.parametrize("other", [dict(H=15), dict(seed=1), dict(kind="keeper"), dict(H=2)])
def test_a_new_h_seed_or_weights_moves_no_axis(other):
    """Every layout difference costs plotly.js a relayout; only T and the input may change the layout."""
    base = gates_chart(sine_trace(T=50, H=16))
    changed = gates_chart(sine_trace(T=50, **{"H": 16, **other}))
    for variant in ("layout", "layout_narrow"):
        assert changed["figure"][variant] == base["figure"][variant]
    assert changed["id"] != base["id"]
    assert gates_chart(sine_trace(T=50, H=16))["id"] == base["id"]  # the same settings, the same chart


def test_one_hot_input_is_a_picture_with_its_letters_beside_it():
    x, names = one_hot_text("abcdefg", 24)
    spec = gates_chart(run_gru(GRUWeights.random(x.shape[1], 3, seed=0), x), input_names=names)
    first = spec["heat"][0]
    assert first["field"] == "x" and not first["open"] and first["scale"] == "Greys"
    assert [t[1] for t in first["ticks"]] == ["a", "c", "e", "g"]  # 7 letters: every 2nd labelled, the hover names all
    plotly_figure(spec)


def test_hostile_names_and_titles_are_escaped_for_plotly():
    x = np.zeros((5, 1))
    spec = gates_chart(run_gru(GRUWeights.random(1, 2, seed=0), x), input_names=["<img src=x onerror=alert(1)>"],
                       markers=[Marker(2, "<b>key</b>")], title="<script>")
    text = json.dumps(spec["figure"])
    assert "<img" not in text and "<script>" not in text and "<b>key" not in text
    assert spec["names"] == ["<img src=x onerror=alert(1)>"]  # the browser writes names as text, never as HTML


def test_markers_draw_a_dotted_line_and_a_label():
    spec = gates_chart(sine_trace(T=30, H=3), markers=[Marker(7, "key input")])
    layout = spec["figure"]["layout"]
    assert any(s["x0"] == 7 and s["line"]["dash"] == "dot" for s in layout["shapes"])
    assert any(a["text"] == "key input" and a["x"] == 7 for a in layout["annotations"])


def test_path_box_keeps_the_path_inside_fixed_axes():
    for H in (1, 2, 3, 16):
        trace = sine_trace(T=40, H=H)
        xy, _, labels = path_box(trace)
        assert xy.shape == (40, 2) and np.abs(xy).max() <= 1.0 + 1e-9, H
    xy, _, labels = path_box(sine_trace(T=40, H=2))
    np.testing.assert_allclose(xy, sine_trace(T=40, H=2).h)  # two units: the values themselves
    assert labels == {"x": "unit 0 →", "y": "unit 1"}
    xy, _, labels = path_box(sine_trace(T=40, H=8))
    assert np.isclose(np.abs(xy).max(), 1.0) and "scaled to fit" in labels["x"] and labels["y"].startswith("PC2")


def test_training_snapshots_share_the_final_paths_axes_and_are_thinned_to_a_budget():
    x, _ = preset_sequence("sine", 40)
    snaps = [(str(k), run_gru(presets.preset_weights("random", 1, 5, k), x)) for k in range(4)]
    spec = gates_chart(snaps[-1][1], snapshots=snaps)
    assert [s["label"] for s in spec["snapshots"]] == ["0", "1", "2", "3"]
    np.testing.assert_allclose(decode(spec, "u", 1), snaps[1][1].u, atol=1e-7)
    assert spec["snapshots"][-1]["arrays"]["path"] == spec["arrays"]["path"]
    every = np.vstack([decode(spec, "path", k) for k in range(4)])
    assert np.abs(every).max() <= 1.0 + 1e-6
    x, _ = preset_sequence("sine", 200)
    big = [(str(k), run_gru(presets.preset_weights("random", 1, 64, k), x)) for k in range(20)]
    spec = gates_chart(big[-1][1], snapshots=big)
    kept = [s["label"] for s in spec["snapshots"]]
    assert 2 <= len(kept) < 20 and kept[0] == "0" and kept[-1] == "19"
    assert len(kept) * (4 * 200 * 64 + 2 * 200) <= MAX_SNAPSHOT_FLOATS


def test_play_takes_about_four_seconds_whatever_the_length():
    for T in (5, 100, 500):
        spec = gates_chart(sine_trace(T=T, H=2))
        ticks = -(-(T - 1) // spec["play_stride"])
        assert 0.5 * PLAY_SECONDS <= ticks * spec["play_ms"] / 1000 <= 1.5 * PLAY_SECONDS, T


def test_row_labels_stay_readable():
    assert [t[1] for t in row_ticks(list("abc"))] == ["a", "b", "c"]
    assert [t[1] for t in row_ticks([str(k) for k in range(16)])] == ["0", "5", "10", "15"]
    for n in range(1, 70):
        ticks = row_ticks([str(k) for k in range(n)])
        assert 1 <= len(ticks) <= 6 and all(0 < at < 1 for at, _ in ticks)
        assert ticks[0] == [0.5 / n, "0"]


def test_the_diagram_template_is_the_cell_diagram_and_its_palette_is_the_diagrams():
    trace = sine_trace(T=10, H=3)
    spec = gates_chart(trace)
    svg = spec["diagram"]["svg"]
    root = ElementTree.fromstring(svg.split("\n", 1)[1])
    ns = {"s": "http://www.w3.org/2000/svg"}
    for key in spec["diagram"]["kinds"]:  # what the browser looks up to fill in a step's numbers
        group = root.find(f".//s:g[@id='node-{key}']", ns)
        assert group is not None and group.find("s:rect", ns) is not None
        assert group.findall("s:text[@class='value']", ns), key
    palette = diagram_palette()
    for kind, (lo, hi) in diagram.KIND_RANGE.items():
        fills = palette[kind]["fill"]
        assert len(fills) == 6 * LUT_SIZE and len(palette[kind]["ink"]) == LUT_SIZE
        # the browser colours a box by the nearest of LUT_SIZE values: within one RGB unit of the diagram's own
        for mean in np.linspace(lo - 0.5, hi + 0.5, 97):
            i = round((min(max(mean, lo), hi) - lo) / (hi - lo) * (LUT_SIZE - 1))
            got = np.array([int(fills[6 * i + 2 * c:6 * i + 2 * c + 2], 16) for c in range(3)])
            want = np.array(diagram._rgb(diagram.value_colour(mean, kind)))
            assert np.abs(got - want).max() <= 1, (kind, mean)


def test_one_step_handoff_carries_the_state_the_step_started_from():
    weights = GRUWeights.random(1, 3, seed=2)
    x, _ = preset_sequence("sine", 12)
    trace = run_gru(weights, x)
    first = one_step_handoff(weights, trace, 0, 1, "test")
    np.testing.assert_array_equal(first["h_prev"], trace.h0)
    later = one_step_handoff(weights, trace, 7, 2, "Gates over time: sine")
    np.testing.assert_array_equal(later["h_prev"], trace.h[6])
    np.testing.assert_array_equal(later["x"], x[7])
    assert later["weights"] is weights
    assert (later["step"], later["unit"], later["source"]) == (7, 2, "Gates over time: sine")
    assert later["x"].shape == (1,) and later["h_prev"].shape == (3,)


def test_a_batch_of_sequences_is_refused():
    x = np.zeros((2, 5, 1))
    with pytest.raises(ValueError, match="one sequence"):
        gates_chart(run_gru(GRUWeights.random(1, 2), x))


def test_plotly_js_is_the_packages_version_with_its_licence():
    """static/plotly-basic.min.js: plotly.js's basic bundle of the very version the plotly package draws with."""
    import plotly

    ours = (ROOT / "static" / "plotly-basic.min.js").read_bytes()
    shipped = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()[:300]
    version = re.search(rb"plotly\.js v(\d+\.\d+\.\d+)", shipped).group(1)
    header = (rb"/\*\*\s*\* plotly\.js \(basic - minified\) v" + re.escape(version)
              + rb"\s*\* Copyright .*Plotly, Inc\.\s*\* All rights reserved\.\s*\* Licensed under the MIT license")
    assert re.match(header, ours[:300]), \
        f"static/plotly-basic.min.js is not plotly.js {version.decode()}'s basic bundle: see static/README.md"
    assert "MIT License" in (ROOT / "static" / "plotly-LICENSE.txt").read_text()
    packed = (ROOT / "static" / "plotly-basic.min.js.gz").read_bytes()
    assert gzip.decompress(packed) == ours, "static/plotly-basic.min.js.gz is stale: see static/README.md"


def test_plain_figures_use_only_traces_the_bundle_draws():
    from gru_viz.figures import challenge_figure, learning_curve, saturation_figure
    from pages._chart import BASIC_TRACES

    figure = challenge_figure(np.zeros(10), [(0, 1.0)], [5], 0.5)
    assert {t.type for t in figure.data} <= BASIC_TRACES
    figure = saturation_figure(np.full((4, 10, 3), 0.95), np.full((4, 10, 3), 0.05))
    assert {t.type for t in figure.data} <= BASIC_TRACES
    curve = learning_curve([0, 10], [0.5, 0.3], [10], [0.4], 0.2, "accuracy", 100)
    assert {t.type for t in go.Figure(curve).data} <= BASIC_TRACES  # a plain dict, and a valid Plotly figure


def test_a_figure_given_as_a_dict_gets_its_template_as_plotly_js_takes_it():
    """plotly.js knows no template names: a dict figure's "plotly_white" is sent as the template itself."""
    from pages._chart import _template

    template = _template("plotly_white")
    assert template == go.Figure(layout=dict(template="plotly_white")).layout.template.to_plotly_json()
    assert template["layout"]["plot_bgcolor"] == "white"


def test_every_unit_has_a_line_and_the_chosen_ones_are_drawn_at_first():
    """The chart's unit picker shows any unit without a rerun: every unit's line is in the spec, marked with its unit."""
    spec = gates_chart(sine_trace(T=20, H=10), units=(7, 2, 2, 99))
    assert spec["units"] == [2, 7]  # sorted, once each, in range
    lines = [t for t in spec["figure"]["data"] if t.get("meta")]
    assert [t["meta"]["unit"] for t in lines] == list(range(10))
    assert [t["y"] for t in lines] == [{"$a": "h", "col": k} for k in range(10)]
    assert [k for k, t in enumerate(lines) if t["visible"]] == [2, 7]
    assert spec["line_colours"][:2] == [lines[2]["line"]["color"], lines[7]["line"]["color"]]
    assert gates_chart(sine_trace(T=20, H=10), units=range(10))["units"] == list(range(len(spec["line_colours"])))
    plotly_figure(spec)  # still a valid Plotly figure


def test_the_spec_travels_as_json_text_written_once_per_spec():
    from pages import _chart

    spec = gates_chart(sine_trace(T=20, H=3))
    text = _chart.spec_text(spec)
    assert json.loads(text.text) == spec and (text.id, text.T) == (spec["id"], spec["T"])
    assert _chart.spec_text(spec) is text  # a rerun drawing the same chart writes nothing again
    for seed in range(_chart.SPEC_TEXTS_KEPT + 2):
        _chart.spec_text(gates_chart(sine_trace(T=20, H=3, seed=seed + 1)))
    assert len(_chart._SPEC_TEXTS) == _chart.SPEC_TEXTS_KEPT  # bounded: old specs are forgotten
    assert spec["id"] not in _chart._SPEC_TEXTS
    assert _chart.gates_json(spec) == text  # what cached builders keep instead


def test_the_chart_element_works_offline():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableStaticServing"] is True
    for path in (ROOT / "static" / "gates_chart.js", ROOT / "pages" / "_chart.py"):
        text = path.read_text()
        assert not re.search(r"https?://", text), f"{path.name} fetches something from the network"


@pytest.mark.parametrize("request_", [None, "open", [], {"step": "3", "unit": 0}, {"step": 3.0, "unit": 0},
                                      {"step": True, "unit": 0}, {"step": -1, "unit": 0}, {"step": 10, "unit": 0},
                                      {"step": 3, "unit": 4}, {"step": 10**100, "unit": 0}, {"step": 3},
                                      {"step": {"$gt": 0}, "unit": 0}])
def test_what_the_browser_sends_back_is_checked(request_):
    """A click on a heatmap cell arrives as a websocket message anyone can forge: only whole numbers in range count."""
    from pages._chart import opened_cell, whole_number_below

    assert opened_cell({"open": request_}, T=10, H=4) is None
    assert whole_number_below(request_, 10) is None


def test_a_real_click_opens_its_step_and_unit():
    from pages._chart import opened_cell

    assert opened_cell({"open": {"step": 9, "unit": 3}}, T=10, H=4) == (9, 3)
    assert opened_cell({}, T=10, H=4) is None and opened_cell(None, T=10, H=4) is None
