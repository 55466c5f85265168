"""safe_text.literal: any text becomes one Markdown code span that shows it as typed (the browser tests check the
rendering in Chromium: tests/browser/test_injection.py)."""

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from gru_viz.safe_text import literal


def code_span_content(markdown: str) -> str:
    """What CommonMark shows for a string that is exactly one code span (fence, content, same fence)."""
    fence = re.match(r"`+", markdown).group(0)
    assert markdown.endswith(fence) and len(markdown) > 2 * len(fence)
    inner = markdown[len(fence):-len(fence)]
    assert not re.search(rf"(?<!`){fence}(?!`)", inner), "the fence does not occur inside, so nothing ends the span"
    if inner.startswith(" ") and inner.endswith(" ") and inner.strip(" "):
        inner = inner[1:-1]  # CommonMark drops one space on each side
    return inner


@given(st.text(max_size=200))
def test_any_text_is_one_code_span_on_one_line(text):
    markdown = literal(text, max_chars=200)
    expected = "".join(" " if c in "\t\n\r\v\f" else "\ufffd" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")
                       and c != "\u200d" else c for c in text)
    if not expected.strip():
        assert markdown in ("(empty)", "(spaces)")
        return
    assert "\n" not in markdown and "\r" not in markdown
    assert code_span_content(markdown).replace("\u2060", "") == expected


def test_what_the_attacks_of_issue_10_become():
    assert literal("[Log in](https://example.invalid/login)") == "` [Log in](https://example.invalid/login) `"
    assert literal("a`b") == "`` a`b ``"
    assert literal("x" * 100, max_chars=10) == "` xxxxxxxxxx… `"
    assert literal("a\n\n# h") == "` a  # h `"  # no new paragraph, no heading
    assert literal("\u202eevil") == "` \ufffdevil `"  # a bidi override cannot reverse the app's words after it
    assert literal(":material/home:") == "` :material\u2060/home: `"  # Streamlit rewrites ':material/' even in code
