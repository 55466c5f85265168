"""The "Units in real text" page under AppTest: it opens with the shipped model, every control changes what is shown,
links restore its settings, and the held-out text is never rendered as Markdown."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gru_viz.text import FEATURES, held_out_corpus

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/units-in-text.py"
TIMEOUT = 120  # the first run reads the held-out text with the NumPy GRU (cached for later runs)


def open_units(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if query:
        at.query_params.update(query)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def widget(at: AppTest, key: str):
    for kind in ("slider", "selectbox", "number_input", "radio", "select_slider"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    raise KeyError(key)


def texts(at: AppTest) -> str:
    return "\n".join(t.value for t in at.text)


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_units()


def test_the_page_opens_with_the_shipped_model(page):
    assert page.title[0].value == "Units in real text"
    caption = " ".join(c.value for c in page.caption)
    assert "A GRU with 128 units" in caption and "bits per character" in caption and "PyTorch" in caption
    info = page.info[0].value
    assert info.startswith("Unit ") and "follows bracket depth best" in info
    assert widget(page, "tx_feature").value == "bracket depth"
    assert widget(page, "tx_unit").value == int(info.split()[1])  # the best unit is shown first
    assert "the model's best guess is" in texts(page)
    assert len(page.dataframe) >= 2 and page.get("plotly_chart")


def test_a_feature_shows_its_best_unit_and_a_unit_its_correlation():
    at = open_units()
    widget(at, "tx_feature").set_value("indentation").run()
    assert not at.exception
    best = int(at.info[0].value.split()[1])
    assert "follows indentation best" in at.info[0].value and widget(at, "tx_unit").value == best
    widget(at, "tx_unit").set_value(3).run()
    assert any(c.value.startswith("Unit 3: r = ") for c in at.caption)


def test_the_chosen_character_changes_the_prediction():
    at = open_units()
    before = texts(at)
    widget(at, "tx_char").set_value(40).run()
    assert not at.exception and texts(at) != before
    text = held_out_corpus().text
    context = text[max(40 - 29, 0):41].replace("\n", "↵")[-25:]
    assert context in texts(at)  # shown as plain text, exactly as it is in the file


def test_a_span_and_threshold_give_a_hypothesis():
    at = open_units()
    text = held_out_corpus().text
    a = text.index("'\\\\'")  # the first string literal of json/encoder.py's ESCAPE_DCT
    widget(at, "tx_span").set_value((a, a + 4)).run()
    assert not at.exception
    assert any(t.value.startswith("Selected: '\\\\'") for t in at.text)
    assert any(("unit" in t.value and "on inside" in t.value) or t.value.startswith("No unit") for t in at.text)
    widget(at, "tx_threshold").set_value(0.95).run()
    assert any(t.value.startswith("No unit is beyond ±0.95") for t in at.text)


def test_colouring_by_a_gate_and_another_passage():
    at = open_units()
    widget(at, "tx_show").set_value("u").run()
    widget(at, "tx_passage").set_value(3).run()
    assert not at.exception and widget(at, "tx_passage").value == 3


def test_a_link_restores_the_settings():
    at = open_units({"tx_feature": "inside a string", "tx_unit": "5", "tx_passage": "2", "tx_show": "r",
                     "tx_char": "17", "tx_threshold": "0.5"})
    assert widget(at, "tx_feature").value == "inside a string" and widget(at, "tx_unit").value == 5
    assert widget(at, "tx_passage").value == 2 and widget(at, "tx_show").value == "r"
    assert widget(at, "tx_char").value == 17 and widget(at, "tx_threshold").value == 0.5


@pytest.mark.parametrize("query", [
    {"tx_feature": "<script>alert(1)</script>"}, {"tx_unit": "999"}, {"tx_unit": "banana"},
    {"tx_passage": "-4"}, {"tx_char": "1e9"}, {"tx_span": ["9", "2"]}, {"tx_threshold": "nan"}, {"tx_show": "*x*"},
])
def test_invalid_link_values_fall_back_without_an_exception(query):
    at = open_units(query)
    assert widget(at, "tx_feature").value in FEATURES and 0 <= widget(at, "tx_unit").value < 128


def test_held_out_text_is_never_rendered_as_markdown(page):
    text = held_out_corpus().text
    code_lines = [line.strip() for line in text.splitlines() if len(line.strip()) > 12][:200]
    markdown = [m.value for m in page.markdown] + [c.value for c in page.caption] + [i.value for i in page.info]
    for body in markdown:
        assert not any(line in body for line in code_lines), body[:200]


def test_a_link_value_the_page_cannot_take_is_named_in_plain_text():
    at = open_units({"tx_unit": "999", "tx_char": "12.7", "tx_passage": "2", "tx_feature": "*bold* [x](y)"})
    assert any("not valid here" in w.value for w in at.warning)
    named = texts(at)
    assert "tx_unit=999 → " in named and "tx_char=12.7 → 12" in named and "tx_feature=*bold* [x](y) → " in named
    assert "tx_passage" not in named  # a valid value is taken silently
