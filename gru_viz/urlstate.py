"""Page settings to and from the URL query string, so a teacher's link reopens the same view."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from gru_viz.safe_text import literal

# Longest query string the app writes: with the page's path it stays inside the 8 KB request line that nginx's
# (large_client_header_buffers) and Apache's (LimitRequestLine) defaults accept, so a link reopens behind either.
LINK_MAX_CHARS = 6000


@dataclass(frozen=True)
class Field:
    """One setting kept in the URL: its parameter name, default and the values it may take."""

    name: str
    default: Any
    lo: float | None = None  # numeric bounds, inclusive
    hi: float | None = None
    choices: tuple = ()  # allowed values for a choice
    max_chars: int = 500  # for free text

    def parse(self, raw: str) -> Any:
        """The value a query string holds for this field, or ValueError saying why not."""
        default = self.default
        if self.choices:
            if raw not in self.choices:
                raise ValueError(f"must be one of {', '.join(map(str, self.choices))}")
            return raw
        if isinstance(default, bool):
            if raw.lower() not in ("1", "0", "true", "false"):
                raise ValueError("must be 1 or 0")
            return raw.lower() in ("1", "true")
        if isinstance(default, int):
            value = int(raw.strip())  # ValueError on garbage
        elif isinstance(default, float):
            value = float(raw.strip())
            if not math.isfinite(value):
                raise ValueError("must be a finite number")
        else:
            if len(raw) > self.max_chars:
                raise ValueError(f"is longer than {self.max_chars} characters")
            return raw
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise ValueError(f"must lie between {self.lo:g} and {self.hi:g}")
        return value

    def encode(self, value: Any) -> str:
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


def read(params: Mapping[str, Any], fields: list[Field]) -> tuple[dict[str, Any], list[str]]:
    """Values for every field (defaults where absent or invalid) and one notice per invalid value."""
    values, notices = {}, []
    for field in fields:
        raw = params.get(field.name)
        if isinstance(raw, list):  # a repeated parameter: the last one wins, as in a browser
            raw = raw[-1] if raw else None
        if raw is None:
            values[field.name] = field.default
            continue
        try:
            values[field.name] = field.parse(str(raw))
        except (ValueError, OverflowError) as exc:
            # our own reasons only: int()'s and float()'s messages repeat the raw text
            reason = str(exc) if "must" in str(exc) or "longer" in str(exc) else "is not a valid value"
            # Markdown: the value from the link only ever inside a code span (see safe_text)
            notices.append(f"Link setting {literal(f'{field.name}={raw}', 60)} {reason}; "
                           f"using {literal(field.encode(field.default), 40)}.")
            values[field.name] = field.default
    return values, notices


def encode(values: Mapping[str, Any], fields: list[Field]) -> dict[str, str]:
    """The query parameters for these values (every field that fits in a link; see encode_within)."""
    return encode_within(values, fields)[0]


def encode_within(values: Mapping[str, Any], fields: list[Field], max_chars: int = LINK_MAX_CHARS
                  ) -> tuple[dict[str, str], list[str]]:
    """(query parameters, names of the fields left out): every field, so a link is complete on its own, except the
    longest free-text values while the query string would be longer than max_chars, so that every link reopens."""
    params = {f.name: f.encode(values[f.name]) for f in fields if f.name in values}
    texts = [f.name for f in fields if f.name in params and _is_text(f)]
    left_out = []
    for name in sorted(texts, key=lambda n: len(urlencode({n: params[n]})), reverse=True):
        if len(urlencode(params)) <= max_chars:
            break
        del params[name]
        left_out.append(name)
    return params, left_out


def _is_text(field: Field) -> bool:
    return isinstance(field.default, str) and not field.choices
