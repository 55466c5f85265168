"""Accessibility and layout: no page scrolls sideways on a projector or a phone; keyboard reaches the controls."""

import pytest

from conftest import open_page, screenshot, tab_to, wait_idle

PAGES = ["/", "/one-step", "/gates-over-time", "/train", "/compare", "/memory"]


@pytest.mark.parametrize("width, height", [(1280, 720), (390, 844)])
def test_no_page_scrolls_sideways(browser, app_url, width, height):
    context = browser.new_context(base_url=app_url, viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        for path in PAGES:
            open_page(page, path)
            page.wait_for_timeout(300)
            overflow = page.evaluate("""() => {
                const main = document.querySelector('[data-testid="stMain"]') || document.documentElement;
                return [document.documentElement.scrollWidth - window.innerWidth,
                        main.scrollWidth - main.clientWidth];
            }""")
            assert max(overflow) <= 1, f"{path} scrolls sideways by {overflow} px at {width}×{height}"
            assert page.locator('[data-testid="stException"]').count() == 0, path
            if width < 500 and path == "/gates-over-time":
                screenshot(page, "phone-gates-over-time", full=False)
    finally:
        context.close()


def test_keyboard_alone_changes_a_setting(page):
    """Tab to the One-step hidden-size slider and move it with the arrow keys."""
    open_page(page, "/one-step")
    slider = page.locator('[data-testid="stSlider"]', has_text="hidden size H").get_by_role("slider")
    tab_to(page, slider, "the hidden-size slider", presses=60)
    page.keyboard.press("ArrowRight")
    wait_idle(page)
    page.wait_for_timeout(500)
    wait_idle(page)
    assert "H=3" in page.url
    assert page.locator('[data-testid="stSlider"]', has_text="h_(t−1)[2]").count() == 1


def test_charts_have_text_alternatives(page):
    open_page(page, "/gates-over-time")
    page.locator(".js-plotly-plot").first.wait_for()
    labels = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"], .gv-chart')]
        .map(el => el.getAttribute('aria-label') || el.querySelector('[aria-label]')?.getAttribute('aria-label') || '')""")
    assert labels and all("steps" in label for label in labels), labels
