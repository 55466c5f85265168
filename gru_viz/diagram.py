"""The GRU cell as a standalone SVG diagram, optionally annotated with one step's numbers.

    r = σ(x U_r + h_prev W_r)                        reset gate
    u = σ(x U_u + h_prev W_u)                        update gate: u ≈ 1 keeps h_prev, u ≈ 0 takes the candidate
    ĥ = tanh(x U_g + r ⊙ (h_prev W_g + c_g))         candidate, reset_after=True (PyTorch)
    ĥ = tanh(x U_g + (r ⊙ h_prev) W_g + c_g)         candidate, reset_after=False (Cho et al. 2014)
    h = u ⊙ h_prev + (1 − u) ⊙ ĥ

The wire into the candidate is drawn in the order of the chosen convention: W_g then ⊙ r, or ⊙ r then W_g.
Every text is at least MIN_FONT drawing units, so the picture shown 820 px wide (One step and Home at
1280×720) keeps every label at 11 CSS px or more.

Pure Python + NumPy, no Streamlit: the app shows the string with st.image, and
`python -m gru_viz.diagram` rewrites assets/gru_cell.svg (the reset-before form of Home's equations).
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

ASSET = Path(__file__).resolve().parent.parent / "assets" / "gru_cell.svg"
KEYS = ("x", "h_prev", "r", "u", "candidate", "h")
VIEW_W, VIEW_H = 900, 600  # drawing units; `width` only scales the picture
MIN_FONT = 13  # smallest text, subscripts included, in drawing units

# Okabe–Ito hues for what each node *is*; the value scales below say what it *holds*.
RESET, UPDATE, CANDIDATE, STATE, INK = "#D55E00", "#0072B2", "#009E73", "#4D4D4D", "#222222"
TINT = {"reset": "#FBE4D3", "update": "#D7E9F6", "candidate": "#D3EFE5", "state": "#EDEDED"}
NEUTRAL = "#BDBDBD"  # fill for a number that is NaN or infinite: on neither scale
PAPER = "#FCFCFA"

# viridis for gates (0 → 1), ColorBrewer RdBu for states (−1 → +1): both colour-blind safe
GATE_STOPS = ("#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725")
STATE_STOPS = ("#2166AC", "#67A9CF", "#F7F7F7", "#EF8A62", "#B2182B")
KIND_RANGE = {"gate": (0.0, 1.0), "state": (-1.0, 1.0)}


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def value_colour(v: float, kind: str) -> str:
    """Hex fill for v: kind "gate" on viridis over [0, 1], "state" on red–blue over [−1, 1], clipped."""
    lo, hi = KIND_RANGE[kind]
    v = float(v)
    if not math.isfinite(v):
        return NEUTRAL
    stops = GATE_STOPS if kind == "gate" else STATE_STOPS
    pos = (min(max(v, lo), hi) - lo) / (hi - lo) * (len(stops) - 1)
    i = min(int(pos), len(stops) - 2)
    a, b, t = _rgb(stops[i]), _rgb(stops[i + 1]), pos - i
    return "#{:02X}{:02X}{:02X}".format(*(round(ca + (cb - ca) * t) for ca, cb in zip(a, b)))


def _luminance(hex_colour: str) -> float:
    lin = [(c / 255) / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in _rgb(hex_colour)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def text_colour(fill: str) -> str:
    """Near-black or white, whichever has the higher WCAG contrast on fill."""
    lum = _luminance(fill)
    return INK if (lum + 0.05) / (_luminance(INK) + 0.05) >= 1.05 / (lum + 0.05) else "#FFFFFF"


def format_number(v: float) -> str:
    """Two decimals with a true minus sign; "—" for NaN or infinity."""
    v = float(v)
    if not math.isfinite(v):
        return "—"
    s = f"{v:.2f}"
    return "0.00" if s == "-0.00" else s.replace("-", "−")


def format_values(values, max_items: int = 4) -> list[str]:
    """Display lines for a vector: "0.97" for one entry, else "[a, b, …]" two entries a line."""
    arr = _as_vector(values)
    if arr.size == 1:
        return [format_number(arr[0])]
    items = [format_number(v) for v in arr[:max_items]]
    lines = [", ".join(items[i:i + 2]) + "," for i in range(0, len(items), 2)]
    lines[-1] = lines[-1][:-1] + (", …]" if arr.size > max_items else "]")
    lines[0] = "[" + lines[0]
    return lines


def _as_vector(values) -> np.ndarray:
    return np.atleast_1d(np.asarray(values, dtype=float)).ravel()


def mean_colour(values, kind: str) -> str:
    """Fill for a whole vector: the colour of its mean (NEUTRAL if any entry is NaN or infinite)."""
    arr = _as_vector(values)
    return value_colour(arr.mean() if np.all(np.isfinite(arr)) else math.nan, kind)


# ---------------------------------------------------------------- drawing primitives


def _sub_size(size: float) -> float:
    return max(size * 0.75, MIN_FONT)


def _label(x: float, y: float, main: str, sub: str = "", *, size: int = 24, fill: str = INK,
           anchor: str = "middle", weight: str = "bold") -> str:
    # a dy-shifted tspan, not baseline-shift, because Firefox ignores baseline-shift
    sub_part = (f'<tspan dy="{size * 0.28:.1f}" font-size="{_sub_size(size):.1f}">{escape(sub)}</tspan>'
                if sub else "")
    return (f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'text-anchor="{anchor}">{escape(main)}{sub_part}</text>')


def _text(x: float, y: float, text: str, *, size: int = 14, fill: str = INK, anchor: str = "middle",
          cls: str = "", weight: str = "normal") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (f'<text{klass} x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'text-anchor="{anchor}">{escape(text)}</text>')


def _rich(x: float, y: float, source: str, *, size: int = 15, fill: str = INK, anchor: str = "start") -> str:
    # "h_{t−1}" / "x_t" → subscript tspans; each one's dy is undone by the next plain run
    parts, shift, i = [], size * 0.28, 0
    while i < len(source):
        j = source.find("_", i)
        if j < 0:
            parts.append((source[i:], False))
            break
        parts.append((source[i:j], False))
        if source.startswith("{", j + 1):
            k = source.index("}", j)
            parts.append((source[j + 2:k], True))
            i = k + 1
        else:
            parts.append((source[j + 1], True))
            i = j + 2
    spans, low = [], False
    for text, sub in parts:
        if not text:
            continue
        dy = shift if sub and not low else -shift if low and not sub else 0
        attrs = (f' dy="{dy:.1f}"' if dy else "") + (f' font-size="{_sub_size(size):.1f}"' if sub else "")
        spans.append(f"<tspan{attrs}>{escape(text)}</tspan>")
        low = sub
    return (f'<text x="{x}" y="{y}" font-size="{size}" fill="{fill}" text-anchor="{anchor}">'
            + "".join(spans) + "</text>")


def _arrow(points, colour: str = STATE, *, marker: str = "ink", halo: bool = False) -> str:
    pts = " ".join(f"{x},{y}" for x, y in points)
    under = (f'<polyline points="{pts}" fill="none" stroke="{PAPER}" stroke-width="10" '
             f'stroke-linejoin="round"/>') if halo else ""  # white gap so a crossing reads as a bridge
    end = f' marker-end="url(#arrow-{marker})"' if marker else ""
    return (under + f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-linejoin="round"{end}/>')


def _dot(x: float, y: float, colour: str = STATE) -> str:
    return f'<circle cx="{x}" cy="{y}" r="4.5" fill="{colour}"/>'


def _product(x: float, y: float, title: str) -> str:
    # ⊙ drawn as a ringed dot rather than the glyph, so it looks the same whatever fonts exist
    return (f'<g><title>{escape(title)}</title><circle cx="{x}" cy="{y}" r="14" fill="#FFFFFF" '
            f'stroke="{INK}" stroke-width="2"/><circle cx="{x}" cy="{y}" r="4" fill="{INK}"/></g>')


def _plus(x: float, y: float, title: str) -> str:
    return (f'<g><title>{escape(title)}</title><circle cx="{x}" cy="{y}" r="14" fill="#FFFFFF" '
            f'stroke="{INK}" stroke-width="2"/><path d="M{x - 8},{y}H{x + 8}M{x},{y - 8}V{y + 8}" '
            f'stroke="{INK}" stroke-width="2.5"/></g>')


def _one_minus(x: float, y: float) -> str:
    return (f'<g><title>1 − u: the share given to the candidate</title>'
            f'<rect x="{x - 24}" y="{y - 14}" width="48" height="28" rx="14" fill="#FFFFFF" '
            f'stroke="{UPDATE}" stroke-width="2"/>{_text(x, y + 6, "1 −", size=16, weight="bold")}</g>')


def _matrix(x: float, y: float, convention: str) -> str:
    """The recurrent weights W_g as a small box on the candidate's wire."""
    return (f'<g id="matrix-W_g"><title>{escape(convention)}</title>'
            f'<rect x="{x - 32}" y="{y - 17}" width="64" height="34" rx="6" fill="#FFFFFF" stroke="{INK}" '
            f'stroke-width="2"/>{_label(x, y + 6, "W", "g", size=18, weight="bold")}</g>')


# ---------------------------------------------------------------- the cell

# node → (centre x, centre y, width, height, identity colour, tint, main label, subscript, caption, kind)
NODES = {
    "h_prev": (80, 130, 110, 56, STATE, TINT["state"], "h", "t−1", "old state", "state"),
    "x": (150, 545, 100, 50, STATE, TINT["state"], "x", "t", "input", "state"),
    "r": (270, 360, 140, 60, RESET, TINT["reset"], "r", "t", "reset gate · σ", "gate"),
    "u": (470, 360, 140, 60, UPDATE, TINT["update"], "u", "t", "update gate · σ", "gate"),
    "candidate": (700, 360, 140, 60, CANDIDATE, TINT["candidate"], "ĥ", "t", "candidate · tanh", "state"),
    "h": (770, 130, 100, 56, STATE, TINT["state"], "h", "t", "new state", "state"),
}
CANDIDATE_FORMS = {
    True: "ĥ_t = tanh(x_t U_g + b_g + r_t ⊙ (h_{t−1} W_g + c_g))",
    False: "ĥ_t = tanh(x_t U_g + b_g + (r_t ⊙ h_{t−1}) W_g + c_g)",
}
CONVENTION_NAMES = {True: "reset gate after W_g, as in PyTorch", False: "reset gate before W_g, as in Cho et al. 2014"}
TITLES = {
    "h_prev": "h_{t−1}: the previous hidden state",
    "x": "x_t: the input at this step",
    "r": "r_t = σ(x_t U_r + h_{t−1} W_r): reset gate",
    "u": "u_t = σ(x_t U_u + h_{t−1} W_u): update gate, u ≈ 1 keeps h_{t−1}",
    "h": "h_t = u_t ⊙ h_{t−1} + (1 − u_t) ⊙ ĥ_t: new hidden state",
}
# where each node's numbers go: (x, y of first line, text-anchor); gates sit right of their input stub
VALUE_AT = {
    "h_prev": (80, 180, "middle"),
    "x": (212, 541, "start"),
    "r": (282, 414, "start"),
    "u": (482, 414, "start"),
    "candidate": (712, 414, "start"),
    "h": (770, 180, "middle"),
}
VALUE_SIZE, VALUE_LEAD = 15, 18


def _node(key: str, values: dict | None, reset_after: bool) -> str:
    cx, cy, w, h, stroke, fill, main, sub, caption, kind = NODES[key]
    numbers = values.get(key) if values is not None else None
    if numbers is not None and _as_vector(numbers).size == 0:
        numbers = None  # an empty vector has nothing to show
    if numbers is not None:
        fill = mean_colour(numbers, kind)
    ink = text_colour(fill)
    title = CANDIDATE_FORMS[reset_after] + ": candidate state" if key == "candidate" else TITLES[key]
    parts = [f'<g id="node-{key}"><title>{escape(title)}</title>',
             f'<rect x="{cx - w / 2:g}" y="{cy - h / 2:g}" width="{w}" height="{h}" rx="10" fill="{fill}" '
             f'stroke="{stroke}" stroke-width="3"/>',
             _label(cx, cy - 2, main, sub, fill=ink),
             _text(cx, cy + h / 2 - 8, caption, size=MIN_FONT, fill=ink)]
    if numbers is not None:
        vx, vy, anchor = VALUE_AT[key]
        for i, line in enumerate(format_values(numbers)):
            parts.append(_text(vx, vy + VALUE_LEAD * i, line, size=VALUE_SIZE, anchor=anchor, cls="value",
                               weight="bold"))
    parts.append("</g>")
    return "".join(parts)


def _wires(reset_after: bool, biases: bool) -> str:
    """Every connection, drawn before the nodes so arrowheads stop at box edges."""
    hp, x, r, u, g, h = (NODES[k] for k in ("h_prev", "x", "r", "u", "candidate", "h"))
    rail = hp[1]  # the top line carries h_{t−1} → u ⊙ h_{t−1} → + → h_t
    bus = 455  # [h_{t−1}, x_t] feeding both gates from below
    x_line = 492  # x_t on its own to the candidate
    ew = 14  # radius of the ⊙ and + circles
    one_minus_y = 200  # u's branch to 1 − u
    reset_y = 265  # the row where r meets the old state
    descent = 590  # the candidate's recurrent input comes down here
    keep, plus, new = (u[0], rail), (g[0], rail), (g[0], one_minus_y)
    box_top, box_bottom = r[1] - r[3] / 2, r[1] + r[3] / 2
    bias = " + c_g" if biases else ""
    if reset_after:  # h_{t−1} → W_g (+ c_g) → ⊙ r → candidate
        matrix_at, mix_at = (r[0], 190), (r[0], reset_y)
        reset_path = [
            _arrow([(r[0], rail), (r[0], matrix_at[1] - 17)]),
            _arrow([(r[0], matrix_at[1] + 17), (r[0], mix_at[1] - ew)]),
            _arrow([(r[0] + ew, reset_y), (descent, reset_y), (descent, g[1]), (g[0] - g[2] / 2, g[1])], halo=True),
            _matrix(*matrix_at, "h_{t−1} W_g + c_g: the old state through the recurrent weights, plus its bias"),
            _rich(r[0] + 44, matrix_at[1] + 5, "h W_g" + bias, size=14, fill=STATE),
            _rich(r[0] + 24, reset_y - 12, f"r ⊙ (h W_g{bias})", size=14, fill=STATE),
        ]
    else:  # h_{t−1} → ⊙ r → W_g (+ c_g) → candidate
        matrix_at, mix_at = (400, reset_y), (r[0], reset_y)
        reset_path = [
            _arrow([(r[0], rail), (r[0], mix_at[1] - ew)]),
            _arrow([(r[0] + ew, reset_y), (matrix_at[0] - 32, reset_y)], marker=""),
            _arrow([(matrix_at[0] + 32, reset_y), (descent, reset_y), (descent, g[1]), (g[0] - g[2] / 2, g[1])],
                   halo=True),
            _matrix(*matrix_at, "(r_t ⊙ h_{t−1}) W_g: the reset old state through the recurrent weights; c_g is "
                                "added after"),
            _rich(r[0] + 24, reset_y - 12, "r ⊙ h", size=14, fill=STATE),
        ]
        if biases:
            reset_path.append(_rich(u[0] + 16, reset_y - 12, "+ c_g", size=14, fill=STATE))
    return "".join([
        # h_{t−1} along the rail, and down to the gate bus
        _arrow([(hp[0] + hp[2] / 2, rail), (keep[0] - ew, rail)]),
        _arrow([(x[0], rail), (x[0], bus)], marker=""),
        # x_t up into the bus, and along the bottom to the candidate
        _arrow([(x[0], x[1] - x[3] / 2), (x[0], bus)], marker=""),
        _arrow([(x[0], x_line), (g[0], x_line), (g[0], box_bottom)]),
        _arrow([(x[0], bus), (u[0], bus), (u[0], box_bottom)]),
        _arrow([(r[0], bus), (r[0], box_bottom)]),
        # gate outputs, in their gate's colour
        _arrow([(r[0], box_top), (r[0], mix_at[1] + ew)], RESET, marker="reset"),
        _arrow([(u[0], box_top), (u[0], rail + ew)], UPDATE, marker="update"),
        _arrow([(u[0], one_minus_y), (descent - 24, one_minus_y)], UPDATE, marker="update"),
        _arrow([(descent + 24, one_minus_y), (new[0] - ew, one_minus_y)], UPDATE, marker="update"),
        *reset_path,
        _arrow([(g[0], box_top), (new[0], new[1] + ew)], CANDIDATE, marker="candidate"),
        # the two shares meet at + and leave as h_t
        _arrow([(keep[0] + ew, rail), (plus[0] - ew, rail)]),
        _arrow([(new[0], new[1] - ew), (plus[0], rail + ew)]),
        _arrow([(plus[0] + ew, rail), (h[0] - h[2] / 2, rail)]),
        _arrow([(h[0], rail - h[3] / 2), (h[0], 24)]),
        _arrow([(h[0] + h[2] / 2, rail), (VIEW_W - 6, rail)]),
        _dot(x[0], rail), _dot(r[0], rail), _dot(x[0], bus), _dot(r[0], bus), _dot(x[0], x_line),
        _dot(u[0], one_minus_y, UPDATE),
        _product(*keep, "u ⊙ h_{t−1}: the part of the old state kept"),
        _product(*mix_at, "r ⊙ …: the reset gate scales what the old state gives the candidate"),
        _product(*new, "(1 − u) ⊙ ĥ: the part of the candidate taken"),
        _plus(*plus, "h_t = u ⊙ h_{t−1} + (1 − u) ⊙ ĥ_t"),
        _one_minus(descent, one_minus_y),
        # small captions for the paths a student most often asks about
        _text(h[0] - 10, 48, "output", size=14, fill=STATE, anchor="end"),
        _text(VIEW_W - 10, rail + 26, "next step", size=14, fill=STATE, anchor="end"),
        _label(keep[0], rail - 22, "keep u ⊙ h", "t−1", size=15, fill=STATE, weight="normal"),
        _text(new[0] + 18, new[1] + 36, "take (1 − u) ⊙ ĥ", size=14, fill=STATE, anchor="start"),
    ])


def _markers() -> str:
    # one marker per colour: context-stroke would be shorter but old browsers ignore it
    colours = {"ink": STATE, "reset": RESET, "update": UPDATE, "candidate": CANDIDATE}
    return "".join(
        f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" markerHeight="11" '
        f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="{colour}"/></marker>'
        for name, colour in colours.items())


def _legend() -> str:
    """Colour keys for the two value scales, bottom right; only drawn when there are numbers."""
    def bar(y: int, gid: str, stops, lo: str, hi: str, title: str) -> str:
        grad = "".join(f'<stop offset="{i / (len(stops) - 1):g}" stop-color="{c}"/>' for i, c in enumerate(stops))
        x0, w = 650, 190
        return (f'<linearGradient id="{gid}">{grad}</linearGradient>'
                + _text(x0 - 34, y + 14, title, size=MIN_FONT + 1, anchor="end")
                + _text(x0 - 6, y + 14, lo, size=MIN_FONT + 1, anchor="end")
                + f'<rect x="{x0}" y="{y}" width="{w}" height="18" fill="url(#{gid})" stroke="{STATE}" '
                  f'stroke-width="1"/>'
                + _text(x0 + w + 6, y + 14, hi, size=MIN_FONT + 1, anchor="start"))
    return ('<g id="legend">'
            + bar(512, "scale-gate", GATE_STOPS, "0", "1", "gates r, u")
            + bar(542, "scale-state", STATE_STOPS, "−1", "+1", "x, h, ĥ")
            + _text(VIEW_W - 14, 588, "box colour: mean over units, clipped to the scale", size=MIN_FONT,
                    fill=STATE, anchor="end")
            + "</g>")


def equations(reset_after: bool) -> tuple[str, ...]:
    """The four equations the bare picture draws, in the chosen convention, without biases (as on Home)."""
    candidate = ("ĥ_t = tanh(x_t U_g + r_t ⊙ (h_{t−1} W_g))" if reset_after
                 else "ĥ_t = tanh(x_t U_g + (r_t ⊙ h_{t−1}) W_g)")
    return ("r_t = σ(x_t U_r + h_{t−1} W_r)", "u_t = σ(x_t U_u + h_{t−1} W_u)", candidate,
            "h_t = u_t ⊙ h_{t−1} + (1 − u_t) ⊙ ĥ_t")


def _equations(reset_after: bool) -> str:
    """The four equations, bottom right, where the colour legend goes when there are numbers."""
    return ('<g id="equations">'
            + "".join(_rich(300, 520 + 21 * i, line, size=15) for i, line in enumerate(equations(reset_after)))
            + "</g>")


def cell_svg(values: dict | None = None, *, width: int = 720, reset_after: bool = True) -> str:
    """A standalone SVG document of the GRU cell, its candidate wired in the chosen convention
    (reset_after: PyTorch's r ⊙ (h W_g + c_g); else (r ⊙ h) W_g + c_g); with values, each node shows and
    colours its numbers and the wires name the bias c_g (the bare picture, like Home's equations, has none)."""
    if values is not None:
        unknown = set(values) - set(KEYS)
        if unknown:
            raise ValueError(f"unknown value keys {sorted(unknown)}; expected some of {list(KEYS)}")
    if not width > 0:
        raise ValueError(f"width must be positive, got {width}")
    reset_after = bool(reset_after)
    height = round(width * VIEW_H / VIEW_W)
    body = [
        f'<rect x="1" y="1" width="{VIEW_W - 2}" height="{VIEW_H - 2}" rx="18" fill="{PAPER}" '
        f'stroke="#D0D0D0" stroke-width="2"/>',  # own background so it reads on dark themes too
        _text(24, 40, "GRU cell", size=22, anchor="start", weight="bold"),
        _text(24, 64, "⊙ element-wise product · σ sigmoid", size=14, fill=STATE, anchor="start"),
        f'<g id="convention">{_rich(24, 84, CONVENTION_NAMES[reset_after], size=14, fill=STATE)}</g>',
        _wires(reset_after, biases=values is not None),
        *(_node(key, values, reset_after) for key in KEYS),
    ]
    body.append(_equations(reset_after) if values is None else _legend())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {VIEW_W} {VIEW_H}" role="img" aria-labelledby="gru-title" '
        f'font-family="sans-serif">\n'
        f'<title id="gru-title">{escape("GRU cell, " + CONVENTION_NAMES[reset_after])}</title>\n'
        f'<defs>{_markers()}</defs>\n'
        + "\n".join(body) + "\n</svg>\n"
    )


ASSET_RESET_AFTER = False  # Home shows the seed article's equations: the reset gate acts before W_g


def write_asset(path: str | Path = ASSET) -> Path:
    """Write cell_svg() (no values, Home's reset-before form) to path, byte for byte."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cell_svg(reset_after=ASSET_RESET_AFTER).encode("utf-8"))
    return path


if __name__ == "__main__":
    print(write_asset())
