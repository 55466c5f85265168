"""GRU vs LSTM vs RNN and Memory in a real browser: sidebar navigation, a short run, and the stored run reused.

Run: .venv/bin/python -m pytest -q tests/browser/test_compare_pages.py
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_page, rerun, screenshot, wait_idle

pytestmark = pytest.mark.browser

SHORT = "T=10&H=4&steps=20&seed=11"  # a seed no other test uses: this server has not run these settings yet
RESULTS_TIMEOUT_MS = 120_000  # three process starts and three short runs, one after another


def assert_clean(page) -> None:
    """No Streamlit exception box, no uncaught page error, no unexpected console error."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, "Streamlit exception shown:\n" + "\n---\n".join(exceptions.all_inner_texts())
    assert not page.log.page_errors, f"page errors: {page.log.page_errors}"
    assert not page.log.relevant_console_errors(), f"console errors: {page.log.relevant_console_errors()}"


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


@pytest.mark.parametrize(("label", "path"), [("GRU vs LSTM vs RNN", "/compare"), ("Memory", "/memory")])
def test_opens_from_the_sidebar(page, label, path):
    open_page(page, "/")
    link = page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]', has_text=label)
    assert link.count() == 1
    with rerun(page):
        link.click()
    page.wait_for_function("p => location.pathname === p", arg=path)
    assert page.locator('[data-testid="stMain"] h1').first.inner_text().strip() == label
    assert page.get_by_role("button", name="Compare" if path == "/compare" else "Train both").count() == 1
    assert_clean(page)


def test_short_comparison_shows_results_and_memory_reuses_them(page):
    open_page(page, f"/compare?{SHORT}")
    assert "Press Compare" in main_text(page)
    page.get_by_role("button", name="Compare").click()
    page.locator('[data-testid="stTable"]').wait_for(timeout=RESULTS_TIMEOUT_MS)
    wait_idle(page)
    text = main_text(page)
    assert "What this run shows" in text and "seed 11" in text and "weak evidence" in text
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 1
    assert_clean(page)
    screenshot(page, "compare-short-run")

    # the Memory page with the same settings: the comparison's GRU and RNN, shown at once
    open_page(page, f"/memory?{SHORT}")
    page.locator('[data-testid="stPlotlyChart"]').nth(1).wait_for()
    text = main_text(page)
    assert "nothing was retrained" in text and "The earliest key input" in text
    assert_clean(page)
    screenshot(page, "memory-from-comparison")
