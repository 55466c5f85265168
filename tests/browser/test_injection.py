"""Links, typed numbers and uploaded files cannot put Markdown, HTML or links into the page (issue 10, §4).

Each attack opens a page in Chromium and checks three things: the user's text is shown as typed, no <a> or <img>
points at the attacker's host, and the browser never sent a request there.
"""

from __future__ import annotations

import io
import urllib.parse

import pytest
from playwright.sync_api import expect

from gru_viz import GRUWeights
from tests.browser.conftest import open_page, rerun, wait_idle

pytestmark = pytest.mark.browser
EVIL = "example.invalid"

ATTACKS = [  # (path, query parameters, text the page must show as typed)
    ("/one-step", {"os_H": "[Log in](https://example.invalid/login)"}, "os_H=[Log in](https://example.inva…"),
    ("/compare", {"cmp_seed": "![](https://example.invalid/t.gif)"}, "cmp_seed=![](https://example.invalid/t…"),
    ("/gates-over-time", {"got_seq": "Custom numbers", "got_custom": "![](//example.invalid/a.png)"},
     "![](//example.inva"),
    ("/gates-over-time", {"got_seq": "Custom numbers", "got_custom": "https://example.invalid/x"}, "https://example.inv"),
    ("/gates-over-time", {"got_seq": "Custom numbers", "got_custom": "www.example.invalid"}, "www.example.invalid"),
    ("/gates-over-time", {"got_seq": "Custom numbers", "got_custom": "me@example.invalid"}, "me@example.invalid"),
    ("/gates-over-time", {"got_T": "<img src=https://example.invalid/x.png>"}, "got_T=<img src=https://example.in"),
    ("/one-step", {"os_seed": "&#91;x&#93;(https://example.invalid)"}, "os_seed=&#91;x&#93;(https://exampl"),
    ("/one-step", {"os_D": ":material/home: :red[red] $x^2$ <b>b</b>"}, "os_D=:material/home: :red[red] $x^"),
    ("/one-step", {"os_H": "\n\n# Heading\n\n[x](https://example.invalid)"}, "os_H=  # Heading  [x](https://exam"),
    ("/units-in-text", {"tx_unit": "[x](https://example.invalid)"}, "tx_unit=[x](https://example.invalid)"),
]
NOTICE = '[data-testid="stAlert"], .st-key-link_notices'  # an error quoting typed numbers, or the link notices


def watch_requests(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def assert_nothing_from(page, requests: list[str], alert) -> None:
    """No link or image to the attacker's host anywhere, no request to it, and in the alert that quotes the user's
    text nothing but that text: no element Markdown or HTML would make (link, image, heading, emphasis, list, LaTeX,
    icon, coloured text)."""
    main = page.locator('[data-testid="stMain"]')
    links = main.locator(f'a[href*="{EVIL}"]')
    images = main.locator(f'img[src*="{EVIL}"]')
    assert links.count() == 0, links.evaluate_all("els => els.map(e => e.outerHTML)")
    assert images.count() == 0, images.evaluate_all("els => els.map(e => e.outerHTML)")
    made = alert.locator(':is(a, img, h1, h2, h3, b, strong, em, ul, ol, .katex, [data-testid="stIconMaterial"], '
                         '[class*="stMarkdownColored"])')
    assert made.count() == 0, made.evaluate_all("els => els.map(e => e.outerHTML)")
    fetched = [url for url in requests if (urllib.parse.urlsplit(url).hostname or "").endswith(EVIL)]
    assert not fetched, f"the browser fetched from the attacker's host: {fetched}"
    assert page.locator('[data-testid="stException"]').count() == 0


def visible_text(locator) -> str:
    """Inner text as a reader sees it: without the word joiner that keeps ":material/" from Streamlit's rewriting."""
    return " ".join(locator.all_inner_texts()).replace("\u2060", "")


@pytest.mark.parametrize("path, params, shown", ATTACKS, ids=[f"{p}?{next(iter(q))}" for p, q, _ in ATTACKS])
def test_link_values_are_shown_as_plain_text(page, path, params, shown):
    requests = watch_requests(page)
    open_page(page, f"{path}?{urllib.parse.urlencode(params)}", notices=True)
    alert = page.locator(NOTICE).filter(has_text=shown[:8])
    alert.first.wait_for()
    assert shown in visible_text(alert), visible_text(alert)
    page.wait_for_timeout(500)  # an image, if one had been written, would have been requested by now
    assert_nothing_from(page, requests, alert)


def model_file(**meta) -> bytes:
    buffer = io.BytesIO()
    GRUWeights.random(2, 4, seed=0).save(buffer, task="adding", seq_len=20, **meta)
    return buffer.getvalue()


def upload(page, name: str, payload: bytes) -> None:
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    with rerun(page):
        uploader.set_input_files({"name": name, "mimeType": "application/octet-stream", "buffer": payload})
    wait_idle(page)


@pytest.mark.parametrize("name, meta, outcome", [
    ("[Log in](https://example.invalid).npz", {}, "Loaded"),
    ("![x](https://example.invalid/t.gif).npz", {"metric": "[x](https://example.invalid)", "value": 1,
                                                 "baseline": 1}, "cannot be loaded"),
    ("<img src=https:⁄⁄example.invalid⁄a.png>.npz", {"value": "abc"}, "cannot be loaded"),
])
def test_uploaded_file_names_and_metadata_are_shown_as_plain_text(page, name, meta, outcome):
    requests = watch_requests(page)
    open_page(page, "/train")
    upload(page, name, model_file(**meta))
    alert = page.locator('[data-testid="stAlert"]', has_text=outcome)
    expect(alert).to_have_count(1)
    assert name in visible_text(alert)
    if outcome == "Loaded":  # the model is drawn, with the app's own labels
        expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    page.wait_for_timeout(500)
    assert_nothing_from(page, requests, alert)
