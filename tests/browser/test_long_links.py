"""A 100,000-character paste into the custom numbers: the field keeps at most its cap, and the link the page then
writes into the address bar reopens (HTTP 200 and the page renders with the same numbers)."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from gru_viz.urlstate import LINK_MAX_CHARS
from tests.browser.conftest import open_page, rerun, wait_idle

pytestmark = pytest.mark.browser
CUSTOM_MAX_CHARS = 3000  # pages/gates-over-time.py


def custom_area(page):
    return page.locator('[data-testid="stTextArea"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text="numbers, separated by commas")).locator("textarea")


def test_a_huge_paste_is_capped_and_its_link_reopens(page, app_url):
    open_page(page, "/gates-over-time?got_seq=Custom+numbers")
    area = custom_area(page)
    paste = "-0.5, " * 16_667  # 100,002 characters
    with rerun(page):
        area.evaluate("(el, text) => { el.focus(); }", paste)
        page.keyboard.insert_text(paste)  # what a paste does: one input event with all of it
        area.press("Control+Enter")
    wait_idle(page)
    kept = area.input_value()
    assert 0 < len(kept) <= CUSTOM_MAX_CHARS, len(kept)
    page.wait_for_function("n => new URLSearchParams(location.search).get('got_custom') !== null "
                           "&& new URLSearchParams(location.search).get('got_custom').length === n", arg=len(kept))
    link = page.url
    query = urllib.parse.urlsplit(link).query
    assert len(query) <= LINK_MAX_CHARS, len(query)

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(link, timeout=30) as answer:
        assert answer.status == 200

    page.goto("about:blank")
    open_page(page, link)
    expect(custom_area(page)).to_have_value(kept)
    assert page.locator(".st-key-link_notices").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    page.locator(".js-plotly-plot .main-svg").first.wait_for()


def test_a_link_with_a_value_longer_than_the_field_opens_with_a_notice(page):
    open_page(page, "/gates-over-time?got_seq=Custom+numbers&got_custom=" + "1," * 2000, notices=True)
    notice = page.locator(".st-key-link_notices")
    notice.first.wait_for()
    assert "got_custom=1,1,1,1,1,1,1,1,1,1,1,1,1,1,1… → 1,1,1," in notice.first.inner_text()
    expect(custom_area(page)).to_have_value(("1," * 2000)[:CUSTOM_MAX_CHARS])  # cut to the field's cap
    assert len(urllib.parse.urlsplit(page.url).query) <= LINK_MAX_CHARS
