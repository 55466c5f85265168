"""Figure builders, the PNG heatmaps, and the small lesson modules (quiz, challenge, presets, explain)."""

import base64
import json
import zlib

import numpy as np
import pytest
import torch

from gru_viz import GRUWeights, challenge, presets, quiz, run_gru
from gru_viz.analysis import frame_steps, gate_saturation, retention, trajectory_2d
from gru_viz.explain import fmt, parameter_count, step_equations
from gru_viz.figures import Marker, caption_for, gates_animation, trace_csv
from gru_viz.raster import colour_lut, encode_png, heatmap_uri
from gru_viz.sequences import preset_sequence


def sine_trace(T=200, H=16, seed=0):
    x, _ = preset_sequence("sine", T)
    return run_gru(presets.preset_weights("random", 1, H, seed), x)


def test_animation_figure_for_t200_h16_is_light():
    fig = gates_animation(sine_trace())
    size = len(fig.to_json())
    assert size <= 1_000_000, size
    assert len(fig.frames) == 100  # subsampled from 200 steps
    # frames carry only the three small moving traces, never a heatmap
    assert all(len(f.data) == 3 and all(t.type == "scatter" for t in f.data) for f in fig.frames)
    assert not any(t.type == "heatmap" for t in fig.data)
    assert len(fig.layout.images) >= 6  # r, u, candidate, h and two colour keys


def test_animation_controls_are_plotly_slider_and_play_pause():
    fig = gates_animation(sine_trace(T=30, H=3))
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("Play" in label for label in labels) and any("Pause" in label for label in labels)
    steps = fig.layout.sliders[0].steps
    assert [s.args[0][0] for s in steps] == [f.name for f in fig.frames]
    assert all(s.method == "animate" for s in steps)


def test_animation_axes_and_cursor_are_fixed_per_frame():
    fig = gates_animation(sine_trace(T=30, H=3), markers=[Marker(7, "key")])
    assert list(fig.layout.xaxis.range) == [-0.5, 29.5]
    frame = fig.frames[12]
    assert frame.layout.shapes[0].x0 == 12 and frame.data[0].x[0] == 12
    assert any(s.x0 == 7 for s in frame.layout.shapes[1:])  # the marker stays in every frame
    assert any(a.text == "key" for a in fig.layout.annotations)


def test_heatmap_images_change_with_the_data():
    a = gates_animation(sine_trace(T=40, H=4, seed=0))
    b = gates_animation(sine_trace(T=40, H=4, seed=1))
    assert a.layout.images[1].source != b.layout.images[1].source


def test_png_encoder_round_trips_pixels():
    rgb = (np.arange(2 * 3 * 3) * 9 % 256).astype(np.uint8).reshape(2, 3, 3)
    png = encode_png(rgb)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    idat = png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8]
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(2, 1 + 9)
    assert np.all(raw[:, 0] == 0) and np.array_equal(raw[:, 1:].reshape(2, 3, 3), rgb)


def test_heatmap_uri_maps_values_onto_the_colour_scale():
    lut = colour_lut("Cividis")
    uri = heatmap_uri(np.array([[0.0, 1.0]]), 0.0, 1.0, "Cividis", min_px=(2, 1))
    png = base64.b64decode(uri.split(",", 1)[1])
    idat = png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8]
    pixels = np.frombuffer(zlib.decompress(idat), np.uint8)[1:].reshape(2, 3)
    assert np.array_equal(pixels[0], lut[0]) and np.array_equal(pixels[1], lut[-1])


def test_trajectory_uses_pca_beyond_two_units():
    h = np.random.default_rng(0).standard_normal((50, 6))
    xy, labels = trajectory_2d(h)
    assert xy.shape == (50, 2) and "PC1" in labels[0]
    np.testing.assert_allclose(xy.mean(axis=0), 0, atol=1e-12)
    assert xy[:, 0].var() >= xy[:, 1].var()
    assert trajectory_2d(h[:, :1])[0].shape == (50, 2)


def test_frame_steps_subsample_long_sequences():
    assert list(frame_steps(5)) == [0, 1, 2, 3, 4]
    steps = frame_steps(500, 100)
    assert len(steps) == 100 and steps[0] == 0 and steps[-1] == 499


def test_saturation_and_retention_by_hand():
    gate = np.array([[0.05, 0.5], [0.95, 0.5], [0.99, 0.01], [0.5, 0.5]])
    low, high = gate_saturation(gate)
    assert list(low) == [0.25, 0.25] and list(high) == [0.5, 0.0]
    u = np.array([[0.5], [0.5], [0.9]])
    np.testing.assert_allclose(retention(u)[:, 0], [0.5, 0.25, 0.225])
    np.testing.assert_allclose(retention(u, start=1)[:, 0], [1.0, 0.5, 0.45])


def test_trace_csv_has_a_row_per_step_and_quotes_odd_names():
    trace = sine_trace(T=5, H=2)
    text = trace_csv(trace, input_names=["a,b"])
    lines = text.strip().split("\n")
    assert len(lines) == 6 and lines[0].startswith('step,"x[a,b]",r[0]')
    assert float(lines[3].split(",")[-1]) == pytest.approx(trace.h[2, 1], abs=1e-5)


def test_caption_states_key_numbers():
    trace = sine_trace(T=10, H=2)
    caption = caption_for(trace, 3)
    assert "2 unit(s) over 10 steps" in caption and f"{trace.u.mean():.2f}" in caption


@pytest.mark.parametrize("name", list(presets.PRESETS))
def test_presets_show_their_textbook_case(name):
    weights = presets.preset_weights(name, 1, 4, seed=0)
    trace = run_gru(weights, preset_sequence("sine", 30)[0])
    if name == "keeper":
        assert trace.u.mean() > 0.9
    if name == "overwriter":
        assert trace.u.mean() < 0.1
    if name == "no_past":
        assert trace.r.mean() < 0.01


def test_quiz_answers_are_checked_with_tolerance():
    for seed in range(30):
        q = quiz.make_question(seed)
        assert q.check(q.answer) and not q.check(q.answer + 10 * q.tolerance + 0.1)
        assert not q.check(float("nan"))


def test_quiz_update_question_matches_the_equation():
    q = next(quiz.make_question(s) for s in range(100) if "update gate is" in quiz.make_question(s).prompt)
    nums = [float(v.replace("−", "-")) for v in __import__("re").findall(r"= (−?\d+\.\d+)\$", q.prompt)]
    u, h_prev, cand = nums
    assert q.answer == pytest.approx(u * h_prev + (1 - u) * cand, abs=1e-12)


@pytest.mark.parametrize("level", list(challenge.LEVELS))
def test_challenge_solutions_pass_and_zero_weights_do_not(level):
    assert challenge.judge(challenge.SOLUTIONS[level], level).passed
    result = challenge.judge({}, level)
    assert not result.passed and 0 <= result.closeness < 1 and result.message


def test_challenge_level1_solution_fails_level2():
    result = challenge.judge(challenge.SOLUTIONS[1], 2)
    assert not result.passed and "does not flip it" in result.message


@pytest.mark.parametrize("cell, module", [("gru", torch.nn.GRU), ("lstm", torch.nn.LSTM), ("rnn", torch.nn.RNN)])
@pytest.mark.parametrize("D, H", [(1, 1), (8, 64), (3, 17)])
def test_parameter_count_matches_pytorch(cell, module, D, H):
    assert parameter_count(cell, D, H) == sum(p.numel() for p in module(D, H).parameters())


def test_step_equations_show_the_live_numbers():
    from gru_viz import explain_step
    weights = GRUWeights.random(2, 2, seed=1)
    terms = explain_step(weights, [0.3, -0.4], [0.2, -0.1])
    rows = step_equations(terms, unit=1)
    assert len(rows) == 4
    assert fmt(terms.r[1]) in rows[0][0] and fmt(terms.h[1]) in rows[3][0]
    assert f"{round(100 * terms.u[1])}% old state" in rows[1][1] or "kept" in rows[1][1]
    fixed = step_equations(__import__("gru_viz").explain_step(weights, [0.3, -0.4], [0.2, -0.1], u_override=1.0),
                           unit=0, u_fixed=True)
    assert "gate surgery" in fixed[1][0]


def test_fmt_reads_like_a_textbook():
    assert fmt(-0.0001) == "0.00" and fmt(-1.5) == "−1.50" and fmt(float("nan")) == "—"


def test_training_snapshots_add_a_second_slider_that_swaps_heatmaps_only():
    x, _ = preset_sequence("sine", 40)
    snaps = [(str(k), run_gru(presets.preset_weights("random", 1, 3, k), x)) for k in range(4)]
    fig = gates_animation(snaps[-1][1], snapshots=snaps)
    training = [f for f in fig.frames if f.group == "training"]
    assert len(training) == 4 and len(fig.layout.sliders) == 2
    assert training[0].layout.images[1].source != training[3].layout.images[1].source
    assert training[3].layout.images[1].source == fig.layout.images[1].source  # the last snapshot is on screen
    assert fig.layout.updatemenus[0].buttons[0].args[0] == "steps"  # Play walks time steps, not training
    assert all(t.type == "scatter" for f in training for t in f.data)
