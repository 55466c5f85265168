"""Every link the app writes reopens: the query string stays within LINK_MAX_CHARS whatever a student types."""

import urllib.parse
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gru_viz import urlstate
from gru_viz.safe_text import literal
from gru_viz.urlstate import LINK_MAX_CHARS, Field

ROOT = Path(__file__).resolve().parents[1]
FIELDS = [Field("seq", "sine", choices=("sine", "custom")), Field("T", 100, 1, 500),
          Field("text", "hello", max_chars=500), Field("custom", "0, 1", max_chars=3000), Field("seed", 0, 0, 9999)]


def longest_custom(chars: int = 3000) -> str:
    """As many valid numbers as fit in `chars` characters: what a long paste into the custom field holds."""
    return ("-0.5, " * chars)[:chars].rstrip(", ")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500), st.text(max_size=3000), st.integers(1, 500))
def test_the_query_string_never_exceeds_the_budget(text, custom, T):
    params, left_out = urlstate.encode_within({"seq": "custom", "T": T, "text": text, "custom": custom, "seed": 0},
                                              FIELDS)
    assert len(urllib.parse.urlencode(params)) <= LINK_MAX_CHARS
    assert set(left_out) <= {"text", "custom"} and not set(left_out) & set(params)
    assert {"seq", "T", "seed"} <= set(params), "settings that are not free text always stay"


def test_what_fits_round_trips_exactly():
    values = {"seq": "custom", "T": 500, "text": "héllo wörld ✓" * 30, "custom": longest_custom(), "seed": 9999}
    params, left_out = urlstate.encode_within(values, FIELDS)
    assert left_out == []
    query = urllib.parse.urlencode(params)
    assert len(query) <= LINK_MAX_CHARS
    read, notices = urlstate.read(dict(urllib.parse.parse_qsl(query, keep_blank_values=True)), FIELDS)
    assert read == values and notices == []


def test_a_paste_too_long_for_a_link_is_left_out_and_the_rest_kept():
    values = {"seq": "custom", "T": 7, "text": "😀" * 500, "custom": longest_custom(), "seed": 3}
    params, left_out = urlstate.encode_within(values, FIELDS)
    assert left_out == ["text"], "the longest free-text value goes first"
    assert params["custom"] == values["custom"] and params["T"] == "7"


def test_the_gates_page_keeps_a_full_custom_field_in_its_link():
    """500 numbers as a student types them fit into a link together with every other setting of the page."""
    source = (ROOT / "pages" / "gates-over-time.py").read_text()
    assert "CUSTOM_MAX_CHARS = 3000" in source and source.count("max_chars=CUSTOM_MAX_CHARS") == 2  # field and link
    fields = [*FIELDS, Field("weights", "random", choices=("random", "trained")), Field("H", 8, 1, 32),
              Field("step", 0, 0, 499)]  # the rest of the page's settings
    values = {f.name: f.default for f in fields} | {"seq": "custom", "custom": longest_custom(3000),
                                                    "text": "x" * 500, "T": 500, "seed": 9999, "step": 499}
    params, left_out = urlstate.encode_within(values, fields)
    assert left_out == [] and len(urllib.parse.urlencode(params)) <= LINK_MAX_CHARS


def test_notices_quote_the_link_value_as_code():
    values, notices = urlstate.read({"H": "[Log in](https://example.invalid/login)"}, [Field("H", 2, 1, 4)])
    assert values["H"] == 2
    assert notices == [f"Link setting {literal('H=[Log in](https://example.invalid/login)', 60)} is not a valid "
                       f"value; using {literal('2')}."]
