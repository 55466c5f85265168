"""The app under Streamlit's AppTest: every page runs, inputs change what is drawn, bad input is explained."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

TIMEOUT = 60  # the first run imports plotly, pandas and the page modules
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str | None = None, query: dict | None = None, notices: bool = False) -> AppTest:
    """The app on `page`, opened from a link with `query`; fails if the page could not take every setting of the
    link, unless `notices` says so (a test must never run on defaults while believing it set something)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert notices or not any("not valid here" in w.value for w in at.warning), [t.value for t in at.text]
    return at


def chart_data(at: AppTest, index: int = 0) -> dict:
    """What the page sent to a chart element (pages/_chart.py): the spec, the step and the text alternative."""
    return json.loads(at.get("bidi_component")[index].proto.json)


def chart_spec(at: AppTest, index: int = 0) -> dict:
    return json.loads(chart_data(at, index)["spec"])  # the spec travels as JSON text of its own


def latex_rows(at: AppTest) -> list[str]:
    return [block.value.strip("$\n ") for block in at.latex]


def equation(at: AppTest, lhs: str) -> str:
    """The One-step equation whose left-hand side is lhs (each is an aligned block: formula, numbers, result)."""
    return next(row for row in latex_rows(at) if row.startswith(rf"\begin{{aligned}}{lhs} &"))


def widget(at: AppTest, key: str):
    for kind in ("slider", "selectbox", "number_input", "text_area", "text_input", "radio", "multiselect"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    raise KeyError(key)


def test_home_shows_equations_diagram_and_table():
    at = open_page()
    assert at.title[0].value == "Inside a Gated Recurrent Unit"
    latex = " ".join(block.value for block in at.latex)
    for symbol in (r"r_t &=", r"u_t &=", r"\hat h_t &=", r"h_t &= u_t \odot h_{t-1} + (1 - u_t) \odot \hat h_t"):
        assert symbol in latex
    assert at.get("image"), "the cell diagram is drawn"
    table = " ".join(m.value for m in at.markdown)
    assert "3·H·(D + H + 2)" in table and "14,208" in table and "18,944" in table  # D = 8, H = 64


def test_one_step_equations_follow_the_inputs():
    at = open_page("pages/one-step.py")
    before = [block.value for block in at.latex]
    widget(at, "os_x0").set_value(-2.0).run()
    assert not at.exception
    assert [block.value for block in at.latex] != before


def test_one_step_hidden_size_adds_state_sliders_and_unit_choice():
    at = open_page("pages/one-step.py")
    widget(at, "os_H").set_value(4).run()
    assert not at.exception
    assert len([s for s in at.slider if s.key.startswith("os_h")]) == 4


def test_gate_surgery_u_one_copies_the_previous_state():
    at = open_page("pages/one-step.py")
    at.session_state["os_u_mode"] = "1"
    at.run()
    assert not at.exception
    h_row = equation(at, "h_t")
    assert h_row.endswith(r"&= 0.50\end{aligned}")  # h_(t−1) defaults to 0.5
    assert any("Gate surgery changed this step" in info.value for info in at.info)


def test_one_step_table_holds_the_cores_numbers_shown_to_three_decimals():
    at = open_page("pages/one-step.py")
    widget(at, "os_x0").set_value(0.35).run()
    table = next(frame for frame in at.dataframe if "h_t" in frame.value.columns)  # not the weights' editor
    h_row = equation(at, "h_t")  # unit 0's equation (2 decimals) ends with the table's full number, rounded
    assert h_row.endswith(rf"&= {table.value['h_t'].iloc[0]:.2f}\end{{aligned}}".replace("-", "−")), h_row
    assert table.value["h_t"].iloc[0] != round(table.value["h_t"].iloc[0], 3)  # the full number travels
    formats = {name: json.loads(table.proto.columns)[name]["type_config"]["format"] for name in table.value.columns}
    assert set(formats.values()) == {"%.3f"} and list(formats) == ["h_(t−1)", "r", "u", "ĥ", "h_t"]


def test_convention_switch_changes_the_candidate():
    at = open_page("pages/one-step.py")
    widget(at, "os_h0").set_value(1.0).run()
    after = equation(at, r"\hat h_t")
    widget(at, "os_convention").set_value("before").run()
    before = equation(at, r"\hat h_t")
    assert r"r_t \odot (h_{t-1} W_g + c_g)" in after and r"(r_t \odot h_{t-1}) W_g + c_g" in before


def test_quiz_counts_a_right_answer_once():
    at = open_page("pages/one-step.py")
    from gru_viz.quiz import make_question
    answer = make_question(1).answer
    guess = next(n for n in at.number_input if n.key.startswith("osx_guess"))
    guess.set_value(round(answer, 3)).run()
    at.button(key="osx_reveal").click().run()
    at.button(key="osx_reveal").click().run()
    assert any(s.value.startswith("Right!") for s in at.success)
    assert any("Score this session: 1 / 1" in c.value for c in at.caption)


def test_one_step_restores_settings_from_the_link_and_flags_bad_ones():
    at = open_page("pages/one-step.py", query={"os_H": "3", "os_D": "2", "os_preset": "Keeps its memory (u near 1)",
                                               "os_seed": "banana", "os_x0": "9"}, notices=True)
    assert widget(at, "os_H").value == 3 and widget(at, "os_D").value == 2
    assert widget(at, "os_preset").value == "keeper"
    assert any("not valid here" in w.value for w in at.warning)
    assert "os_seed=banana → 0\nos_x0=9 → 1.0" in [t.value for t in at.text]  # plain text, each value named


@pytest.mark.parametrize("key, value", [
    ("got_seq", "square"), ("got_T", 60), ("got_weights", "keeper"), ("got_H", 5), ("got_seed", 7),
])
def test_gates_over_time_every_input_changes_the_figure(key, value):
    at = open_page("pages/gates-over-time.py")
    before = chart_spec(at)
    widget(at, key).set_value(value).run()
    assert not at.exception
    assert chart_spec(at) != before


@pytest.mark.parametrize("changes, link", [
    ({"got_H": 5, "got_seed": 7}, {"got_H": "5", "got_seed": "7"}),
    ({"got_T": 30, "got_step": 29}, {"got_T": "30", "got_step": "29"}),
    ({"got_seq": "square", "got_weights": "keeper"}, {"got_seq": "Square wave", "got_weights": "Keeps its memory (u near 1)"}),
])
def test_a_chart_drawn_before_the_widgets_is_the_one_they_ask_for(changes, link):
    """After a session's first run the page sends the chart before the widgets, from the settings in the session's
    state: it must be the chart a new visitor gets from a link with those settings (the widgets first)."""
    at = open_page("pages/gates-over-time.py")
    for key, value in changes.items():
        widget(at, key).set_value(value).run()
    fresh = open_page("pages/gates-over-time.py", query=link)
    assert chart_spec(at) == chart_spec(fresh)
    assert chart_data(at)["step"] == chart_data(fresh)["step"]
    assert chart_data(at)["alt"] == chart_data(fresh)["alt"]


def test_a_longer_step_than_the_new_sequence_is_clipped_before_the_chart_is_drawn():
    at = open_page("pages/gates-over-time.py")
    widget(at, "got_step").set_value(90).run()
    widget(at, "got_T").set_value(20).run()
    assert not at.exception
    assert chart_data(at)["step"] == 19 and widget(at, "got_step").value == 19


def test_gates_over_time_text_input_changes_the_figure():
    at = open_page("pages/gates-over-time.py")
    widget(at, "got_seq").set_value("text").run()
    before = chart_spec(at)
    widget(at, "got_text").set_value("abcabc xyz").run()
    assert not at.exception and chart_spec(at) != before


def test_bad_custom_numbers_show_an_error_and_keep_the_last_good_sequence():
    at = open_page("pages/gates-over-time.py")
    widget(at, "got_seq").set_value("custom").run()
    good = chart_spec(at)
    for bad in ("1, 2, banana", "nan, 1", "", "1e9", ", ".join(["0"] * 600)):
        widget(at, "got_custom").set_value(bad).run()
        assert not at.exception
        assert at.error, f"no error shown for {bad!r}"
        assert chart_spec(at) == good, f"the chart changed after {bad!r}"
    widget(at, "got_custom").set_value("0, 1, 0").run()
    assert not at.error and chart_spec(at) != good


def test_gates_over_time_restores_settings_from_the_link():
    at = open_page("pages/gates-over-time.py", query={"got_seq": "Square wave", "got_T": "40", "got_H": "4",
                                                      "got_seed": "3", "got_step": "5"})
    assert widget(at, "got_seq").value == "square" and widget(at, "got_T").value == 40
    assert widget(at, "got_H").value == 4 and widget(at, "got_step").value == 5
    assert chart_spec(at)["T"] == 40 and chart_data(at)["step"] == 5
    assert not at.warning


def test_gates_over_time_bad_link_values_fall_back_with_a_notice():
    at = open_page("pages/gates-over-time.py", query={"got_T": "banana", "got_seq": "<b>x</b>", "got_H": "1000"},
                   notices=True)
    assert len(at.warning) == 1 and sorted(at.text[0].value.split("\n")) == [
        "got_H=1000 → 8", "got_T=banana → 100", "got_seq=<b>x</b> → Sine wave"]
    assert widget(at, "got_T").value == 100 and widget(at, "got_seq").value == "sine"


def test_the_step_slider_moves_the_chart_cursor_and_its_caption():
    at = open_page("pages/gates-over-time.py")
    spec = chart_spec(at)
    widget(at, "got_step").set_value(50).run()
    assert not at.exception and chart_data(at)["step"] == 50
    assert chart_spec(at) == spec  # the same numbers: the browser only moves its cursor
    assert "At step 50:" in chart_data(at)["alt"]  # the chart's text alternative, shown under it too


def test_challenge_solution_passes():
    at = open_page("pages/gates-over-time.py")
    at.session_state["got_challenge"] = True  # what a click on the box's label sets
    at.run()
    assert not any("passed" in s.value for s in at.success)
    at.button(key="gotx_solve").click().run()
    assert any("Level 1 passed" in s.value for s in at.success)


def test_challenge_is_drawn_only_while_open_and_keeps_the_knobs():
    at = open_page("pages/gates-over-time.py")
    knobs = [s for s in at.slider if s.key and s.key.startswith("gotx_knob_")]
    assert not knobs and len(at.get("expander")) == 1  # closed: its label only, none of its widgets
    at.session_state["got_challenge"] = True
    at.run()
    widget(at, "gotx_knob_W_u").set_value(-3.5).run()
    at.session_state["got_challenge"] = False
    at.run()
    assert not [s for s in at.slider if s.key and s.key.startswith("gotx_knob_")]
    widget(at, "got_H").set_value(5).run()  # the explorer reruns meanwhile
    at.session_state["got_challenge"] = True
    at.run()
    assert widget(at, "gotx_knob_W_u").value == -3.5


def test_a_link_opens_the_challenge_and_a_bad_value_is_named():
    at = open_page("pages/gates-over-time.py", {"got_challenge": "true"})  # what Streamlit writes; no notice
    assert at.button(key="gotx_solve")
    at = open_page("pages/gates-over-time.py", {"got_challenge": "<b>yes</b>"}, notices=True)
    assert not [b for b in at.button if b.key == "gotx_solve"]
    assert "got_challenge=<b>yes</b> → False" in at.text[0].value.split("\n")  # plain text


def test_settings_survive_a_visit_to_another_page():
    at = open_page("pages/gates-over-time.py")
    widget(at, "got_H").set_value(3).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/gates-over-time.py").run()
    assert widget(at, "got_H").value == 3
