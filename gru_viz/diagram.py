"""The GRU cell as a standalone SVG diagram, optionally annotated with one step's numbers.

    r = σ(x U_r + h_prev W_r)            reset gate
    u = σ(x U_u + h_prev W_u)            update gate: u ≈ 1 keeps h_prev, u ≈ 0 takes the candidate
    ĥ = tanh(x U_g + (r ⊙ h_prev) W_g)   candidate
    h = u ⊙ h_prev + (1 − u) ⊙ ĥ

Pure Python + NumPy, no Streamlit: the app shows the string with st.image, and
`python -m gru_viz.diagram` rewrites assets/gru_cell.svg.
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

ASSET = Path(__file__).resolve().parent.parent / "assets" / "gru_cell.svg"
KEYS = ("x", "h_prev", "r", "u", "candidate", "h")
VIEW_W, VIEW_H = 800, 520  # drawing units; `width` only scales the picture

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


def _label(x: float, y: float, main: str, sub: str = "", *, size: int = 22, fill: str = INK,
           anchor: str = "middle", weight: str = "bold") -> str:
    # a dy-shifted tspan, not baseline-shift, because Firefox ignores baseline-shift
    sub_part = f'<tspan dy="{size * 0.28:.1f}" font-size="{size * 0.68:.1f}">{escape(sub)}</tspan>' if sub else ""
    return (f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'text-anchor="{anchor}">{escape(main)}{sub_part}</text>')


def _text(x: float, y: float, text: str, *, size: int = 13, fill: str = INK, anchor: str = "middle",
          cls: str = "", weight: str = "normal") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (f'<text{klass} x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'text-anchor="{anchor}">{escape(text)}</text>')


def _rich(x: float, y: float, source: str, *, size: int = 13, fill: str = INK, anchor: str = "start") -> str:
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
        attrs = (f' dy="{dy:.1f}"' if dy else "") + (f' font-size="{size * 0.72:.1f}"' if sub else "")
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
            f'<rect x="{x - 22}" y="{y - 13}" width="44" height="26" rx="13" fill="#FFFFFF" '
            f'stroke="{UPDATE}" stroke-width="2"/>{_text(x, y + 5, "1 −", size=15, weight="bold")}</g>')


# ---------------------------------------------------------------- the cell

# node → (centre x, centre y, width, height, identity colour, tint, main label, subscript, caption, kind)
NODES = {
    "h_prev": (66, 100, 100, 54, STATE, TINT["state"], "h", "t−1", "previous state", "state"),
    "x": (140, 470, 96, 50, STATE, TINT["state"], "x", "t", "input", "state"),
    "r": (255, 300, 116, 56, RESET, TINT["reset"], "r", "t", "reset gate · σ", "gate"),
    "u": (410, 300, 116, 56, UPDATE, TINT["update"], "u", "t", "update gate · σ", "gate"),
    "candidate": (590, 300, 116, 56, CANDIDATE, TINT["candidate"], "ĥ", "t", "candidate · tanh", "state"),
    "h": (690, 100, 96, 54, STATE, TINT["state"], "h", "t", "new state", "state"),
}
TITLES = {
    "h_prev": "h_{t−1}: the previous hidden state",
    "x": "x_t: the input at this step",
    "r": "r_t = σ(x_t U_r + h_{t−1} W_r): reset gate",
    "u": "u_t = σ(x_t U_u + h_{t−1} W_u): update gate, u ≈ 1 keeps h_{t−1}",
    "candidate": "ĥ_t = tanh(x_t U_g + (r_t ⊙ h_{t−1}) W_g): candidate state",
    "h": "h_t = u_t ⊙ h_{t−1} + (1 − u_t) ⊙ ĥ_t: new hidden state",
}
# where each node's numbers go: (x, y of first line, text-anchor); gates sit right of their input stub
VALUE_AT = {
    "h_prev": (66, 147, "middle"),
    "x": (200, 466, "start"),
    "r": (265, 348, "start"),
    "u": (420, 348, "start"),
    "candidate": (600, 348, "start"),
    "h": (690, 147, "middle"),
}


def _node(key: str, values: dict | None) -> str:
    cx, cy, w, h, stroke, fill, main, sub, caption, kind = NODES[key]
    numbers = values.get(key) if values is not None else None
    if numbers is not None and _as_vector(numbers).size == 0:
        numbers = None  # an empty vector has nothing to show
    if numbers is not None:
        fill = mean_colour(numbers, kind)
    ink = text_colour(fill)
    parts = [f'<g id="node-{key}"><title>{escape(TITLES[key])}</title>',
             f'<rect x="{cx - w / 2:g}" y="{cy - h / 2:g}" width="{w}" height="{h}" rx="10" fill="{fill}" '
             f'stroke="{stroke}" stroke-width="3"/>',
             _label(cx, cy - 1, main, sub, fill=ink),
             _text(cx, cy + h / 2 - 7, caption, size=11.5, fill=ink)]
    if numbers is not None:
        vx, vy, anchor = VALUE_AT[key]
        for i, line in enumerate(format_values(numbers)):
            parts.append(_text(vx, vy + 16 * i, line, size=14, anchor=anchor, cls="value", weight="bold"))
    parts.append("</g>")
    return "".join(parts)


def _wires() -> str:
    """Every connection, drawn before the nodes so arrowheads stop at box edges."""
    hp, x, r, u, g, h = (NODES[k] for k in ("h_prev", "x", "r", "u", "candidate", "h"))
    rail = 100  # the top line carries h_{t−1} → u ⊙ h_{t−1} → + → h_t
    bus = 385  # [h_{t−1}, x_t] feeding both gates from below
    x_line = 420  # x_t on its own to the candidate
    ew = 14  # radius of the ⊙ and + circles
    mix_y, one_minus_y = 215, 165  # r ⊙ h_{t−1} row; u's branch to 1 − u (above, so they don't touch)
    detour = 500  # r ⊙ h_{t−1} comes down between the update gate and the candidate
    keep, plus, new = (u[0], rail), (g[0], rail), (g[0], one_minus_y)
    box_top, box_bottom = r[1] - r[3] / 2, r[1] + r[3] / 2
    return "".join([
        # h_{t−1} along the rail, down to the gate bus, and down into r ⊙ h_{t−1}
        _arrow([(hp[0] + hp[2] / 2, rail), (keep[0] - ew, rail)]),
        _arrow([(x[0], rail), (x[0], bus)], marker=""),
        _arrow([(r[0], rail), (r[0], mix_y - ew)]),
        # x_t up into the bus, and along the bottom to the candidate
        _arrow([(x[0], x[1] - x[3] / 2), (x[0], bus)], marker=""),
        _arrow([(x[0], x_line), (g[0], x_line), (g[0], box_bottom)]),
        _arrow([(x[0], bus), (u[0], bus), (u[0], box_bottom)]),
        _arrow([(r[0], bus), (r[0], box_bottom)]),
        # gate outputs, in their gate's colour
        _arrow([(r[0], box_top), (r[0], mix_y + ew)], RESET, marker="reset"),
        _arrow([(u[0], box_top), (u[0], rail + ew)], UPDATE, marker="update"),
        _arrow([(u[0], one_minus_y), (detour - 22, one_minus_y)], UPDATE, marker="update"),
        _arrow([(detour + 22, one_minus_y), (new[0] - ew, one_minus_y)], UPDATE, marker="update"),
        # r ⊙ h_{t−1} to the candidate, bridging over the update gate's line
        _arrow([(r[0] + ew, mix_y), (detour, mix_y), (detour, g[1]), (g[0] - g[2] / 2, g[1])], halo=True),
        _arrow([(g[0], box_top), (new[0], new[1] + ew)], CANDIDATE, marker="candidate"),
        # the two shares meet at + and leave as h_t
        _arrow([(keep[0] + ew, rail), (plus[0] - ew, rail)]),
        _arrow([(new[0], new[1] - ew), (plus[0], rail + ew)]),
        _arrow([(plus[0] + ew, rail), (h[0] - h[2] / 2, rail)]),
        _arrow([(h[0], rail - h[3] / 2), (h[0], 22)]),
        _arrow([(h[0] + h[2] / 2, rail), (VIEW_W - 6, rail)]),
        _dot(x[0], rail), _dot(r[0], rail), _dot(x[0], bus), _dot(r[0], bus), _dot(x[0], x_line),
        _dot(u[0], one_minus_y, UPDATE),
        _product(*keep, "u ⊙ h_{t−1}: the part of the old state kept"),
        _product(r[0], mix_y, "r ⊙ h_{t−1}: the old state the candidate may see"),
        _product(*new, "(1 − u) ⊙ ĥ: the part of the candidate taken"),
        _plus(*plus, "h_t = u ⊙ h_{t−1} + (1 − u) ⊙ ĥ_t"),
        _one_minus(detour, one_minus_y),
        # small captions for the paths a student most often asks about
        _text(h[0] - 8, 34, "output", size=12, fill=STATE, anchor="end"),
        _text((h[0] + h[2] / 2 + VIEW_W) / 2, rail + 24, "next step", size=12, fill=STATE),
        _label(keep[0], rail - 22, "keep u ⊙ h", "t−1", size=13, fill=STATE, weight="normal"),
        _text(new[0] - 20, new[1] - 18, "take (1 − u) ⊙ ĥ", size=13, fill=STATE, anchor="end"),
        _label(r[0] + 20, mix_y - 10, "r ⊙ h", "t−1", size=13, fill=STATE, anchor="start", weight="normal"),
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
        x0, w = 590, 150
        return (f'<linearGradient id="{gid}">{grad}</linearGradient>'
                + _text(x0 - 30, y + 12, title, size=12, anchor="end")
                + _text(x0 - 6, y + 12, lo, size=12, anchor="end")
                + f'<rect x="{x0}" y="{y}" width="{w}" height="16" fill="url(#{gid})" stroke="{STATE}" '
                  f'stroke-width="1"/>'
                + _text(x0 + w + 6, y + 12, hi, size=12, anchor="start"))
    return ('<g id="legend">'
            + _text(766, 448, "box colour = mean over units", size=12, fill=STATE, anchor="end")
            + bar(460, "scale-gate", GATE_STOPS, "0", "1", "gates r, u")
            + bar(486, "scale-state", STATE_STOPS, "−1", "+1", "states x, h, ĥ")
            + "</g>")


EQUATIONS = (
    "r_t = σ(x_t U_r + h_{t−1} W_r)",
    "u_t = σ(x_t U_u + h_{t−1} W_u)",
    "ĥ_t = tanh(x_t U_g + (r_t ⊙ h_{t−1}) W_g)",
    "h_t = u_t ⊙ h_{t−1} + (1 − u_t) ⊙ ĥ_t",
)


def _equations() -> str:
    """The four equations, bottom right, where the colour legend goes when there are numbers."""
    return ('<g id="equations">'
            + "".join(_rich(420, 444 + 20 * i, line, size=14) for i, line in enumerate(EQUATIONS))
            + "</g>")


def cell_svg(values: dict | None = None, *, width: int = 720) -> str:
    """A standalone SVG document of the GRU cell; with values, each node shows and colours its numbers."""
    if values is not None:
        unknown = set(values) - set(KEYS)
        if unknown:
            raise ValueError(f"unknown value keys {sorted(unknown)}; expected some of {list(KEYS)}")
    if not width > 0:
        raise ValueError(f"width must be positive, got {width}")
    height = round(width * VIEW_H / VIEW_W)
    body = [
        f'<rect x="1" y="1" width="{VIEW_W - 2}" height="{VIEW_H - 2}" rx="18" fill="{PAPER}" '
        f'stroke="#D0D0D0" stroke-width="2"/>',  # own background so it reads on dark themes too
        _text(24, 40, "GRU cell", size=20, anchor="start", weight="bold"),
        _text(24, 60, "⊙ element-wise product · σ sigmoid", size=12, fill=STATE, anchor="start"),
        _wires(),
        *(_node(key, values) for key in KEYS),
    ]
    body.append(_equations() if values is None else _legend())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {VIEW_W} {VIEW_H}" role="img" aria-labelledby="gru-title" '
        f'font-family="sans-serif">\n'
        f'<title id="gru-title">{escape("GRU cell: h_t = u_t ⊙ h_{t−1} + (1 − u_t) ⊙ ĥ_t")}</title>\n'
        f'<defs>{_markers()}</defs>\n'
        + "\n".join(body) + "\n</svg>\n"
    )


def write_asset(path: str | Path = ASSET) -> Path:
    """Write cell_svg() (no values) to path, byte for byte."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cell_svg().encode("utf-8"))
    return path


if __name__ == "__main__":
    print(write_asset())
