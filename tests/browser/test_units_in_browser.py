"""The "Units in real text" page in Chromium: opened from its navigation entry, clicks and drags in the coloured
code, the text shown exactly as it is (never as Markdown or HTML), a retrain through the job queue, three sizes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gru_viz.text import held_out_corpus, passages
from tests.browser.conftest import open_page, rerun, screenshot

pytestmark = pytest.mark.browser
CODE = '[data-testid="gv-code"]'
SIZES = [(390, 844), (1280, 720), (1920, 1080)]


def assert_clean(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, "\n".join(exceptions.all_inner_texts())
    assert not page.log.page_errors, page.log.page_errors
    assert not page.log.relevant_console_errors(), page.log.relevant_console_errors()


def code_chars(page) -> str:
    """The characters of the coloured view, one per span (a new line shows as a blank cell)."""
    return page.locator(CODE).evaluate("e => Array.from(e.querySelectorAll('span[data-i]'), s => s.textContent)"
                                       ".join('')")


def plain_text(page, starts: str) -> str:
    return page.locator('[data-testid="stText"]', has_text=starts).first.inner_text()


def test_opens_from_navigation_and_shows_the_text_exactly(page):
    open_page(page, "/")
    with rerun(page, timeout_ms=120_000):
        page.locator('[data-testid="stSidebarNavLink"]', has_text="Units in real text").click()
    page.wait_for_function("() => location.pathname === '/units-in-text'")
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text("Units in real text")
    page.locator(CODE).wait_for(timeout=120_000)
    text = held_out_corpus().text
    start, end = passages(text)[0]
    assert code_chars(page) == text[start:end].replace("\n", " ")  # every character as itself, no markup
    assert page.locator(f"{CODE} b, {CODE} em, {CODE} a, {CODE} code").count() == 0
    style = page.locator(CODE).evaluate("e => [getComputedStyle(e).fontSize, getComputedStyle(e).fontFamily]")
    assert float(style[0].rstrip("px")) >= 14 and "mono" in style[1].lower()
    assert "follows bracket depth best" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert_clean(page)


def test_a_click_picks_a_character_and_a_drag_selects_a_span(page):
    open_page(page, "/units-in-text")
    page.locator(CODE).wait_for(timeout=120_000)
    before = plain_text(page, "After “")
    with rerun(page):
        page.locator(f'{CODE} span[data-i="40"]').click()
    expect(page.locator(f'{CODE} span[data-i="40"].cursor')).to_have_count(1)
    assert plain_text(page, "After “") != before
    text = held_out_corpus().text
    first, last = page.locator(f'{CODE} span[data-i="10"]'), page.locator(f'{CODE} span[data-i="16"]')
    with rerun(page):
        first.hover()
        page.mouse.down()
        last.hover()
        page.mouse.up()
    expect(page.locator(f"{CODE} span.in-span")).to_have_count(7)
    assert plain_text(page, "Selected:") == "Selected: " + text[10:17].replace("\n", "↵")
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('tx_span').join() === '10,17'")
    assert_clean(page)


def test_a_retrain_replaces_the_model(page):
    open_page(page, "/units-in-text?tx_steps=250&tx_seed=1")
    page.locator(CODE).wait_for(timeout=120_000)
    with rerun(page):
        page.get_by_role("button", name="Train it again").click()
    success = page.locator('[data-testid="stAlert"]', has_text="Training finished after 250 steps")
    success.wait_for(timeout=300_000)  # a child process on a busy 2-core machine, plus the NumPy analysis
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
    expect(page.locator('[data-testid="stCaptionContainer"]', has_text="250 training steps").first).to_be_visible()
    page.locator(CODE).wait_for()
    assert_clean(page)


@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_nothing_is_clipped_at_classroom_sizes(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, "/units-in-text")
    code = page.locator(CODE)
    code.wait_for(timeout=120_000)
    overflow = code.evaluate("e => e.scrollWidth - e.clientWidth")
    assert overflow <= 1, f"the code is {overflow}px wider than its box"
    main = page.locator('[data-testid="stMain"]').evaluate("e => e.scrollWidth - e.clientWidth")
    assert main <= 1, f"the page scrolls sideways by {main}px"
    assert_clean(page)
    screenshot(page, f"units-in-text-{width}x{height}")
