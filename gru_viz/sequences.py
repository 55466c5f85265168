"""Input sequences for the pages: presets and strictly parsed custom numbers (pure NumPy)."""

from __future__ import annotations

import math
import re

import numpy as np

MAX_LEN = 500  # longest sequence a page animates
MAX_ABS = 1e4  # larger inputs saturate every gate and teach nothing; the core stays finite anyway
MAX_TEXT_CHARS = 20_000  # a paste longer than this is refused before parsing
DEFAULT_TEXT = "hello gru"

PRESETS = {
    "sine": "Sine wave",
    "square": "Square wave",
    "impulse": "Single impulse",
    "random_walk": "Random walk",
    "text": "Text as one-hot characters",
    "custom": "Custom numbers",
}


def preset_sequence(name: str, length: int, seed: int = 0, text: str = DEFAULT_TEXT) -> tuple[np.ndarray, list[str]]:
    """A preset input sequence (T, D) and the names of its input channels."""
    if name not in PRESETS or name == "custom":
        raise ValueError(f"unknown sequence preset {name!r}; choose one of {[p for p in PRESETS if p != 'custom']}")
    T = int(length)
    if not 1 <= T <= MAX_LEN:
        raise ValueError(f"length must be between 1 and {MAX_LEN}, got {length}")
    t = np.arange(T)
    if name == "sine":
        x = np.sin(2 * np.pi * t / 25)
    elif name == "square":
        x = np.where((t // 15) % 2 == 0, 1.0, -1.0)
    elif name == "impulse":
        x = np.zeros(T)
        x[min(5, T - 1)] = 1.0
    elif name == "random_walk":
        steps = np.random.default_rng(seed).normal(0, 0.15, T)
        x = np.clip(np.cumsum(steps), -3, 3)
    else:
        return one_hot_text(text, T)
    return x[:, None].astype(np.float64), ["x"]


def one_hot_text(text: str, length: int | None = None) -> tuple[np.ndarray, list[str]]:
    """Characters as one-hot rows (T, alphabet), repeating the text to fill `length` steps."""
    if not isinstance(text, str) or not text:
        raise ValueError("the text is empty: type a few characters")
    if len(text) > MAX_LEN:
        raise ValueError(f"the text is {len(text)} characters long; at most {MAX_LEN} fit")
    alphabet = sorted(set(text))
    if len(alphabet) > 32:
        raise ValueError(f"the text uses {len(alphabet)} different characters; at most 32 keep the input readable")
    T = len(text) if length is None else int(length)
    chars = (text * math.ceil(T / len(text)))[:T]
    index = {c: i for i, c in enumerate(alphabet)}
    x = np.zeros((T, len(alphabet)))
    x[np.arange(T), [index[c] for c in chars]] = 1.0  # (T, alphabet)
    return x, [repr(c)[1:-1] if c != " " else "␣" for c in alphabet]


_SPLIT = re.compile(r"[,\s;]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")  # ASCII digits only


def parse_numbers(text: str, max_len: int = MAX_LEN, max_abs: float = MAX_ABS) -> np.ndarray:
    """Comma-separated numbers → (T, 1) array, or ValueError saying exactly what is wrong."""
    if not isinstance(text, str):
        raise ValueError("expected text")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"the text is {len(text):,} characters long; paste at most {MAX_TEXT_CHARS:,}")
    tokens = [tok for tok in _SPLIT.split(text.strip()) if tok]
    if not tokens:
        raise ValueError("no numbers found: type numbers separated by commas, e.g. 0, 1, 0.5, -1")
    if len(tokens) > max_len:
        raise ValueError(f"{len(tokens)} numbers given; at most {max_len} are allowed")
    values = []
    for i, tok in enumerate(tokens, start=1):
        if tok.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise ValueError(f"number {i} is {tok!r}: only finite numbers are allowed")
        if not _NUMBER.fullmatch(tok):
            shown = tok if len(tok) <= 20 else tok[:20] + "…"
            raise ValueError(f"number {i} ({shown!r}) is not a number")
        value = float(tok)
        if not math.isfinite(value) or abs(value) > max_abs:
            raise ValueError(f"number {i} ({tok}) is too large: keep inputs within ±{max_abs:g}")
        values.append(value)
    return np.array(values)[:, None]
