"""Links that reopen a view: what the address bar may hold, and which of a link's settings a page could not take.

The pages bind their widgets to the address bar with Streamlit's own `bind="query-params"`; this module holds the
two things it does not do: a length budget for free text, and a notice for a link value the widget refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlencode


# Longest query string the app writes: with the page's path it stays inside the 8 KB request line that nginx's
# (large_client_header_buffers) and Apache's (LimitRequestLine) defaults accept, so a link reopens behind either.
LINK_MAX_CHARS = 6000


def fits_in_link(params: Mapping[str, str | list[str]], max_chars: int = LINK_MAX_CHARS) -> bool:
    """Whether these query parameters, percent-encoded as a browser writes them, stay within max_chars."""
    return len(urlencode(params, doseq=True)) <= max_chars


IGNORED = ("embed", "embed_options")  # Streamlit's own query parameters


def link_notices(incoming: Mapping[str, list[str]], values: Mapping, formats: Mapping[str, Callable] = {},
                 prefix: str = "") -> list[str]:
    """One line per link setting whose widget did not take the value the link asked for (invalid, out of range),
    and per parameter that is no setting of this page (every setting of a page starts with its prefix).

    incoming: key → the link's raw values; values: key → what the widget holds now; formats: key → the function the
    widget shows its value with (a bound widget with a format_func keeps the shown label in the link)."""
    out = []
    for key, raw in incoming.items():
        if key.lower() in IGNORED:
            continue
        if not key.startswith(prefix):
            out.append(f"{_short(key)}: not a setting of this page, ignored")
            continue
        if key not in values:
            continue  # a setting whose widget this run does not draw (x2 while D = 1, say)
        value = values[key]
        show = formats.get(key, lambda v: v)
        want = [show(v) for v in value] if isinstance(value, (tuple, list)) else [show(value)]
        if not (len(raw) == len(want) and all(_same(r, w) for r, w in zip(raw, want))):
            asked, used = (", ".join(_short(str(v)) for v in values) for values in (raw, want))
            out.append(f"{key}={asked} → {used}")  # plain text only: the link can carry anything
    return out


def _short(text: str, limit: int = 30) -> str:
    """One line of at most `limit` characters: a value from a link may hold line breaks and any length."""
    text = " ".join(text.splitlines()) if "\n" in text or "\r" in text else text
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _same(raw: str, value) -> bool:
    if isinstance(value, bool):  # Streamlit reads "true"/"false" in any case and writes "true"
        return raw.lower() == str(value).lower()
    if str(value) == raw:
        return True
    try:
        return not isinstance(value, (str, bool)) and float(raw) == float(value)
    except (TypeError, ValueError):
        return False
