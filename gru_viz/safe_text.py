"""User text inside the app's Markdown, shown exactly as typed and never read as Markdown, HTML or a link."""

from __future__ import annotations

import re
import unicodedata

# Streamlit's Markdown renderer turns more than Markdown into elements: bare URLs and e-mail addresses become links
# (GFM autolinks), :shortcodes: become emoji or icons, :red[...] colours text, $...$ is LaTeX, and HTML entities are
# decoded. All of these act on text, none inside an inline code span, whose content is shown character for character;
# so user text always goes into a code span, with the few things that could end one taken out first.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}  # control, format (bidi overrides, zero-width), line and paragraph separators
_KEEP = {"\u200d"}  # the zero-width joiner holds emoji sequences together


def literal(text, max_chars: int = 60) -> str:
    """Markdown showing text as typed, in code font: at most max_chars characters, then "…"; never more Markdown."""
    text = str(text)
    cut = len(text) > max_chars
    text = text[:max_chars]
    # a line break would let the next line start a heading, list or quote; control and bidi characters could hide or
    # reorder the app's own words around the value
    text = "".join(" " if c in "\t\n\r\v\f" else "\ufffd" if unicodedata.category(c) in _INVISIBLE and c not in _KEEP
                   else c for c in text) + ("…" if cut else "")
    if not text.strip():
        return "(empty)" if not text else "(spaces)"
    # Streamlit rewrites every ":material/" in the source before parsing, even inside code: a word joiner keeps it
    text = text.replace(":material/", ":material\u2060/")
    fence = "`" * (1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence} {text} {fence}"  # spaces keep an edge backtick off the fence; Markdown drops them again
