"""The GRU cell diagram: well-formed standalone SVG, labelled, self-contained, and honest about its numbers."""

import math
import re
from pathlib import Path
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from gru_viz.diagram import (ASSET, ASSET_RESET_AFTER, MIN_FONT, VIEW_H, VIEW_W, cell_svg, equations, format_values,
                             mean_colour, text_colour, value_colour)

NS = "{http://www.w3.org/2000/svg}"
VALUES = {"x": [0.5, -1.25], "h_prev": [0.31, -0.42], "r": [0.12], "u": [0.97],
          "candidate": [-0.8, 0.6, 0.05], "h": [0.2, -0.3, 0.44, 0.55, 0.66, 0.77]}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def node(root: ET.Element, key: str) -> ET.Element:
    found = root.find(f".//{NS}g[@id='node-{key}']")
    assert found is not None, key
    return found


def texts(element: ET.Element) -> list[str]:
    """Rendered text of each <text>, subscripts joined on (h + t−1 → "ht−1")."""
    return ["".join(t.itertext()) for t in element.iter(f"{NS}text")]


def value_text(root: ET.Element, key: str) -> str:
    return " ".join("".join(t.itertext()) for t in node(root, key).iter(f"{NS}text") if t.get("class") == "value")


def box_fill(root: ET.Element, key: str) -> str:
    return node(root, key).find(f"{NS}rect").get("fill")


def test_empty_diagram_parses_and_has_every_label():
    root = parse(cell_svg())
    assert root.tag == f"{NS}svg"
    assert root.get("viewBox") and root.get("width") == "720"
    expected = {"h_prev": "ht−1", "x": "xt", "r": "rt", "u": "ut", "candidate": "ĥt", "h": "ht"}
    for key, label in expected.items():
        assert label in texts(node(root, key)), key
        assert value_text(root, key) == ""  # no values, no numbers
    all_text = " ".join(texts(root))
    assert "reset gate" in all_text and "update gate" in all_text and "candidate" in all_text
    assert "1 −" in all_text  # the 1 − u branch
    assert len(root.findall(f".//{NS}marker")) >= 1 and "marker-end" in cell_svg()


def test_asset_is_exactly_the_generated_svg():
    assert ASSET.read_bytes() == cell_svg(reset_after=ASSET_RESET_AFTER).encode("utf-8"), "run: python -m gru_viz.diagram"


def test_asset_draws_the_reset_before_form_of_homes_equations():
    assert ASSET_RESET_AFTER is False
    home = (Path(__file__).resolve().parent.parent / "pages" / "home.py").read_text()
    assert r"(r_t \odot h_{t-1})\, W_g" in home  # Home's candidate: the reset gate before W_g
    root = parse(ASSET.read_text())
    assert "before W" in "".join(root.find(f".//{NS}g[@id='convention']").itertext())
    assert "ĥt = tanh(xt Ug + (rt ⊙ ht−1) Wg)" in texts(root.find(f".//{NS}g[@id='equations']"))


@pytest.mark.parametrize("values", [None, VALUES, {"u": [float("nan")]}])
def test_self_contained_no_scripts_or_external_references(values):
    svg = cell_svg(values)
    lowered = svg.lower()
    for banned in ("<script", "foreignobject", "@import", "@font-face", "<image", "href", "javascript:"):
        assert banned not in lowered, banned
    assert not re.search(r"\son\w+\s*=", lowered)  # no event handlers
    assert re.findall(r"https?://[^\s\"'<>]*", svg) == ["http://www.w3.org/2000/svg"]
    assert re.findall(r"url\(([^)]*)\)", svg) and all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", svg))
    assert 'font-family="sans-serif"' in svg


def test_values_appear_next_to_their_nodes():
    root = parse(cell_svg(VALUES))
    assert value_text(root, "r") == "0.12"
    assert value_text(root, "u") == "0.97"
    assert value_text(root, "x") == "[0.50, −1.25]"
    assert value_text(root, "candidate").replace(" ", "") == "[−0.80,0.60,0.05]"
    h = value_text(root, "h")
    assert "0.20" in h and "0.55" in h and "…" in h and "0.66" not in h  # first four, then an ellipsis
    assert root.find(f".//{NS}g[@id='legend']") is not None


def test_numpy_arrays_and_scalars_are_accepted():
    root = parse(cell_svg({"u": np.float32(0.25), "h": np.array([0.5, -0.5], dtype=np.float32)}))
    assert value_text(root, "u") == "0.25"
    assert value_text(root, "h") == "[0.50, −0.50]"


def test_gate_fill_follows_its_value():
    fills = {box_fill(parse(cell_svg({"r": [v]})), "r") for v in (0.0, 0.5, 1.0)}
    assert len(fills) == 3
    root = parse(cell_svg({"r": [0.05], "u": [0.95]}))
    assert box_fill(root, "r") != box_fill(root, "u")
    assert box_fill(root, "r") == value_colour(0.05, "gate")
    assert box_fill(root, "candidate") == box_fill(parse(cell_svg()), "candidate")  # missing key: left neutral
    assert value_text(root, "candidate") == ""


def test_state_fill_is_the_colour_of_the_mean():
    root = parse(cell_svg({"h": [1.0, -0.5]}))
    assert box_fill(root, "h") == value_colour(0.25, "state")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_render_a_dash_and_still_parse(bad):
    values = {"x": [bad], "r": [bad, 0.5], "u": [bad], "candidate": [0.1, bad], "h": [bad] * 6, "h_prev": [bad]}
    root = parse(cell_svg(values))
    assert value_text(root, "x") == "—"
    assert value_text(root, "r") == "[—, 0.50]"
    assert value_text(root, "candidate") == "[0.10, —]"
    for key in values:
        assert "nan" not in value_text(root, key).lower() and "inf" not in value_text(root, key).lower()
        assert re.fullmatch(r"#[0-9A-F]{6}", box_fill(root, key))


def test_value_colour_is_ordered_and_clipped():
    for kind, lo, hi in (("gate", 0.0, 1.0), ("state", -1.0, 1.0)):
        assert value_colour(lo, kind) != value_colour(hi, kind)
        assert value_colour(lo - 5, kind) == value_colour(lo, kind)
        assert value_colour(hi + 5, kind) == value_colour(hi, kind)
        assert re.fullmatch(r"#[0-9A-F]{6}", value_colour((lo + hi) / 2, kind))
    # viridis gets lighter as the gate opens: luminance rises along the scale
    lum = [sum(int(value_colour(v, "gate")[i:i + 2], 16) for i in (1, 3, 5)) for v in np.linspace(0, 1, 11)]
    assert lum == sorted(lum)
    assert value_colour(math.nan, "gate") == mean_colour([1.0, math.inf], "state")
    with pytest.raises(KeyError):
        value_colour(0.5, "colour")


def test_text_colour_contrasts_with_its_fill():
    assert text_colour(value_colour(0.0, "gate")) == "#FFFFFF"  # dark purple
    assert text_colour(value_colour(1.0, "gate")) != "#FFFFFF"  # yellow
    assert text_colour("#FFFFFF") != "#FFFFFF"


def test_format_values():
    assert format_values([0.974]) == ["0.97"]
    assert format_values([-0.001]) == ["0.00"]  # no "−0.00"
    assert format_values([1, 2]) == ["[1.00, 2.00]"]
    assert format_values(range(9)) == ["[0.00, 1.00,", "2.00, 3.00, …]"]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown value keys"):
        cell_svg({"z": [0.5]})
    with pytest.raises(ValueError):
        cell_svg(width=0)
    assert parse(cell_svg(width=360)).get("height") == str(round(360 * VIEW_H / VIEW_W))


def _wire_order(svg: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Centres of the W_g box and of the ⊙ where the reset gate meets the old state."""
    root = parse(svg)
    box = root.find(f".//{NS}g[@id='matrix-W_g']/{NS}rect")
    matrix = (float(box.get("x")) + float(box.get("width")) / 2, float(box.get("y")) + float(box.get("height")) / 2)
    reset_x = float(node(root, "r").find(f"{NS}rect").get("x")) + float(node(root, "r").find(f"{NS}rect").get("width")) / 2
    rings = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{NS}circle") if c.get("r") == "14"]
    mix = next(c for c in rings if c[0] == reset_x)  # the product straight above the reset gate
    return matrix, mix


def test_the_candidate_wire_follows_the_convention():
    """Reset-after: h_{t−1} goes through W_g first, then meets r. Reset-before: it meets r, then goes through W_g."""
    (mx, my), (px, py) = _wire_order(cell_svg(VALUES, reset_after=True))
    assert mx == px and my < py  # W_g on the way down from h_{t−1}, above the ⊙
    (mx, my), (px, py) = _wire_order(cell_svg(VALUES, reset_after=False))
    assert my == py and mx > px  # W_g after the ⊙, on the way to the candidate
    after, before = (" ".join(texts(parse(cell_svg(VALUES, reset_after=a)))) for a in (True, False))
    assert "r ⊙ (h Wg + cg)" in after and "after W" in after
    assert "r ⊙ h" in before and "+ cg" in before and "before W" in before and "r ⊙ (h" not in before
    assert "h Wg + cg" not in " ".join(texts(parse(cell_svg(reset_after=True))))  # the bare picture has no biases
    assert "r_t ⊙ (h_{t−1} W_g)" in equations(True)[2] and "(r_t ⊙ h_{t−1}) W_g" in equations(False)[2]


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("values", [None, VALUES])
def test_every_text_is_at_least_the_minimum_size(values, reset_after):
    """Drawn at 820 px (One step and Home at 1280×720) every text, subscripts included, is ≥ 11 px."""
    root = parse(cell_svg(values, reset_after=reset_after))
    sizes = []
    for text in root.iter(f"{NS}text"):
        sizes.append(float(text.get("font-size")))
        sizes += [float(t.get("font-size")) for t in text.iter(f"{NS}tspan") if t.get("font-size")]
    assert len(sizes) > 20 and min(sizes) >= MIN_FONT
    assert MIN_FONT * 820 / VIEW_W >= 11
