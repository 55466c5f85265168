"""Every link the app writes reopens, and a link value a page could not take is named, as plain text."""

import urllib.parse
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gru_viz import urlstate
from gru_viz.urlstate import LINK_MAX_CHARS

ROOT = Path(__file__).resolve().parents[1]


def longest_custom(chars: int = 3000) -> str:
    """As many valid numbers as fit in `chars` characters: what a long paste into the custom field holds."""
    return ("-0.5, " * chars)[:chars].rstrip(", ")


def gates_link(**changes) -> dict[str, str]:
    """Every setting of Gates over time at its longest, as the address bar holds them."""
    params = {"got_seq": "Custom numbers", "got_T": "500", "got_text": "x" * 500, "got_weights": "Random (PyTorch's "
              "initialisation)", "got_H": "32", "got_seed": "9999", "got_step": "499"}
    return params | changes


def test_a_full_custom_field_fits_in_a_link_with_every_other_setting():
    """500 numbers as a student types them (3,000 characters, the field's cap) reopen from a link."""
    assert "CUSTOM_MAX_CHARS = 3000" in (ROOT / "pages" / "_gates.py").read_text()
    assert "max_chars=CUSTOM_MAX_CHARS" in (ROOT / "pages" / "gates-over-time.py").read_text()
    assert urlstate.fits_in_link(gates_link(got_custom=longest_custom(3000)))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_whatever_is_typed_the_link_stays_within_the_budget_or_leaves_the_text_out(custom):
    """The page adds the custom text only when fits_in_link says so: then the whole query string is in budget."""
    params = gates_link(got_custom=custom)
    if urlstate.fits_in_link(params):
        assert len(urllib.parse.urlencode(params)) <= LINK_MAX_CHARS


def test_a_paste_that_cannot_fit_is_refused():
    assert not urlstate.fits_in_link(gates_link(got_custom="😀" * 1500))  # 12 characters each, percent-encoded


def test_link_notices_name_only_the_values_that_were_not_taken():
    values = {"tx_unit": 29, "tx_char": 12, "tx_span": (9, 2), "tx_show": "h", "tx_threshold": 0.3}
    incoming = {"tx_unit": ["999"], "tx_char": ["12.7"], "tx_span": ["9", "2"], "tx_show": ["h"],
                "tx_threshold": ["0.30"], "tx_other": ["1"]}
    assert urlstate.link_notices(incoming, values) == ["tx_unit=999 → 29", "tx_char=12.7 → 12"]
    long = {"tx_show": ["<b>" + "x" * 40]}
    assert urlstate.link_notices(long, {"tx_show": "h"}) == ["tx_show=<b>" + "x" * 26 + "… → h"]
    assert urlstate.link_notices({"tx_span": ["5"]}, {"tx_span": (0, 1)}) == ["tx_span=5 → 0, 1"]


def test_link_notices_compare_a_labelled_choice_by_its_label():
    """A bound selectbox with a format_func keeps the label in the link: a matching label is no notice."""
    labels = {"keeper": "Keeps its memory (u near 1)", "random": "Random"}
    assert urlstate.link_notices({"os_preset": ["Keeps its memory (u near 1)"]}, {"os_preset": "keeper"},
                                 {"os_preset": labels.get}) == []
    assert urlstate.link_notices({"os_preset": ["[Log in](https://example.invalid)"]}, {"os_preset": "random"},
                                 {"os_preset": labels.get}) == ["os_preset=[Log in](https://example.inva… → Random"]


def test_booleans_and_numbers_in_links():
    assert urlstate.link_notices({"a": ["1"], "b": ["1.50"], "c": ["true"], "d": ["FALSE"]},
                                 {"a": 1.0, "b": 1.5, "c": True, "d": False}) == []  # Streamlit writes "true"
    assert urlstate.link_notices({"c": ["1"], "d": ["yes"]}, {"c": False, "d": False}) == ["c=1 → False",
                                                                                       "d=yes → False"]


def test_a_parameter_that_is_no_setting_of_the_page_is_named():
    """An old link (H=3 before settings carried their page's prefix) or a typo does not vanish without a word."""
    assert urlstate.link_notices({"H": ["3"], "os_H": ["3"], "embed": ["true"]}, {"os_H": 3}, prefix="os_") == [
        "H: not a setting of this page, ignored"]
