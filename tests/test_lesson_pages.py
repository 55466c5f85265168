"""Home and One step under AppTest: the sentences a student reads, and the step sent from Gates over time."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gru_viz import presets, run_gru, sigmoid
from gru_viz.explain import NOTATION_TABLE, OPEN_MEANING, fmt, memory_rule
from gru_viz.handoff import KEY
from tests.test_app import APP, TIMEOUT, equation, open_page, widget

SOURCE = "**bold** <b>tag</b> [link](javascript:alert(1)) sine, T = 40, H = 32"  # as a user could shape it


def all_text(at: AppTest) -> str:
    return " ".join(e.value for kind in ("markdown", "caption", "text", "info") for e in getattr(at, kind))


def test_home_states_what_open_means_the_memory_rule_and_the_notation():
    at = open_page()
    text = all_text(at)
    assert OPEN_MEANING in text and NOTATION_TABLE.strip() in text
    assert "hundreds of steps" not in text and "unchanged" not in text
    rule = memory_rule(float(sigmoid(presets.GATE_BIAS)))
    assert f"u = {rule['u']:.3f}" in text and f"about {rule['half_life']:.0f} steps" in text
    assert "reset gate acts before W_g" in text  # the asset's convention, said next to it
    assert "Each of the first three lines also adds biases" in text


def test_one_step_says_where_the_presets_gates_can_go():
    at = open_page("pages/one-step.py", query={"os_preset": "Keeps its memory (u near 1)", "os_H": "4", "os_D": "3"})
    weights = presets.preset_weights("keeper", 3, 4, 0)
    lo, hi = presets.gate_range(weights, "u", -3, 3)
    text = all_text(at)
    assert presets.DESCRIPTIONS["keeper"] in text and f"u stays between {lo:.3f} and {hi:.3f}" in text
    assert OPEN_MEANING in text and "other convention (before the product)" in text
    assert "c_g = 0 and h_(t−1) W_g is zero" not in text


def sent_from_gates(H=32, D=32, step=17, unit=5, source=SOURCE):
    """What Gates over time puts in the session: a cell, one step of a sequence through it, and where it is from."""
    weights = presets.preset_weights("keeper", D, H, seed=3)
    x = np.random.default_rng(0).uniform(-1, 1, (40, D))
    trace = run_gru(weights, x)
    return {"weights": weights, "x": x[step], "h_prev": trace.h_prev[step], "step": step, "unit": unit,
            "source": source}, trace


def one_step_with(handoff) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[KEY] = handoff
    at.run()
    at.switch_page("pages/one-step.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_one_step_shows_the_step_sent_from_gates_over_time():
    handoff, trace = sent_from_gates()
    at = one_step_with(handoff)
    banner = [t.value for t in at.text if t.value.startswith("Step 17")]
    assert banner == [f"Step 17, unit 5 of the GRU from Gates over time ({SOURCE})"]
    assert not any(SOURCE in m.value or "javascript" in m.value for m in [*at.markdown, *at.caption, *at.info])
    keys = {w.key for kind in ("slider", "selectbox", "number_input") for w in getattr(at, kind)}
    assert not keys & {"os_H", "os_D", "os_preset", "os_seed", "os_x0", "os_h0"}  # its own cell's controls wait
    assert any(t.value.startswith("x_t = [") for t in at.text) and any(t.value.startswith("h_(t−1) = [") for t in at.text)
    unit = next(s for s in at.selectbox if s.label == "show the equations of unit")
    assert unit.value == 5 and len(unit.options) == 32
    assert equation(at, "h_t").endswith(f"&= {fmt(trace.h[17, 5])}\\end{{aligned}}")  # that cell, that step
    assert len(at.dataframe[0].value) == 32 and at.get("image")
    unit.set_value(31).run()
    assert equation(at, "h_t").endswith(f"&= {fmt(trace.h[17, 31])}\\end{{aligned}}")
    before = equation(at, r"\hat h_t")
    widget(at, "os_convention").set_value("before").run()
    assert equation(at, r"\hat h_t") != before and r"(r_t \odot h_{t-1}) W_g + c_g" in equation(at, r"\hat h_t")
    at.session_state["os_u_mode"] = "1"
    at.run()
    assert equation(at, "h_t").endswith(f"&= {fmt(trace.h_prev[17, 31])}\\end{{aligned}}")  # u = 1 keeps h_(t−1)
    at.button(key="osx_back").click().run()
    assert KEY not in at.session_state and not at.exception
    assert widget(at, "os_H").value == 2 and not any(t.value.startswith("Step 17") for t in at.text)


@pytest.mark.parametrize("bad", [{"weights": "nope"}, "a string", {**sent_from_gates()[0], "unit": 99}])
def test_a_bad_handoff_is_explained_and_dropped(bad):
    at = one_step_with(bad)
    assert any("cannot be shown" in w.value for w in at.warning)
    assert KEY not in at.session_state and widget(at, "os_H").value == 2


def test_a_small_handoff_uses_its_own_sizes():
    handoff, trace = sent_from_gates(H=3, D=1, step=0, unit=2, source="impulse")
    at = one_step_with(handoff)
    assert equation(at, "h_t").endswith(f"&= {fmt(trace.h[0, 2])}\\end{{aligned}}")
    assert any(t.value == "hidden size H = 3, input size D = 1" for t in at.text)
