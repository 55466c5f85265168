"""GRU vs LSTM vs RNN and Memory in a real browser: navigation, a short multi-seed run at three screen sizes, the
stored run reused, and a run cancelled once every tab that looked at it has closed.

Run: .venv/bin/python -m pytest -q tests/browser/test_compare_and_memory_in_browser.py
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, open_page, rerun, screenshot, streamlit_server, wait_idle

pytestmark = pytest.mark.browser

SHORT = "cmp_T=10&cmp_H=4&cmp_steps=20&cmp_seed=11&cmp_seeds=3"  # seeds no other test uses: this server has not run them yet
RESULTS_TIMEOUT_MS = 120_000  # one process start and nine tiny networks, on a busy 2-core machine
SIZES = {"phone": (390, 844), "laptop": (1280, 720), "projector": (1920, 1080)}


def assert_clean(page) -> None:
    """No Streamlit exception box, no uncaught page error, no unexpected console error."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, "Streamlit exception shown:\n" + "\n---\n".join(exceptions.all_inner_texts())
    assert not page.log.page_errors, f"page errors: {page.log.page_errors}"
    assert not page.log.relevant_console_errors(), f"console errors: {page.log.relevant_console_errors()}"


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def assert_fits(page) -> None:
    """Nothing wider than the window: no sideways scrolling, every table and chart inside the main column."""
    overflow = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        return [main.scrollWidth - main.clientWidth, document.documentElement.scrollWidth - window.innerWidth];
    }""")
    assert max(overflow) <= 1, f"the page scrolls sideways by {overflow} px"
    for testid in ("stPlotlyChart", "stTable"):
        for box in page.locator(f'[data-testid="{testid}"]').all():
            b = box.bounding_box()
            assert b is None or b["x"] >= -1 and b["x"] + b["width"] <= page.viewport_size["width"] + 1, testid


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
    assert "first come, first served" in main_text(page)  # the queue's rules, in words
    assert_clean(page)


def test_multi_seed_comparison_and_memory_at_three_screen_sizes(page):
    open_page(page, f"/compare?{SHORT}")
    assert "Press Compare" in main_text(page)
    page.get_by_role("button", name="Compare").click()
    page.locator('[data-testid="stTable"]').wait_for(timeout=RESULTS_TIMEOUT_MS)
    wait_idle(page)
    text = main_text(page)
    assert "What this run shows" in text and "seeds 11–13" in text and "3 seeds on one task" in text
    assert "median over 3 seeds" in text and "No memory:" in text
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 1
    assert_clean(page)
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(600)  # Plotly redraws for the new width
        assert_fits(page)
        screenshot(page, f"compare-{name}")

    # the Memory page with the same settings and one of the seeds: that seed's GRU and RNN, shown at once
    page.set_viewport_size({"width": 1280, "height": 900})
    open_page(page, "/memory?mem_T=10&mem_H=4&mem_steps=20&mem_seed=12")
    page.locator('[data-testid="stPlotlyChart"]').nth(1).wait_for()
    text = main_text(page)
    assert "nothing was retrained" in text and "The earliest key input" in text and "seed 12 ·" in text
    assert "the same unit held" in text and "through the candidate" in text
    assert_clean(page)
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(600)
        assert_fits(page)
        screenshot(page, f"memory-{name}")


def test_a_run_is_cancelled_once_every_tab_that_looked_at_it_has_closed(browser, monkeypatch):
    """A server of its own, where a silent session counts as gone after 2 s instead of 30."""
    monkeypatch.setenv("GRU_VIZ_GONE_GRACE_S", "2")
    long_run = "/compare?cmp_T=50&cmp_H=16&cmp_steps=2000&cmp_seed=21&cmp_seeds=1"  # about half a minute: still training below
    with streamlit_server("app.py", ARTIFACTS / "streamlit-server-queue.log") as base:
        alice, bob, carol = (browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
                             for _ in range(3))
        try:
            a = alice.new_page()
            open_page(a, long_run)
            a.get_by_role("button", name="Compare").click()
            a.locator('[data-testid="stProgress"]').wait_for(timeout=60_000)
            b = bob.new_page()
            open_page(b, long_run)  # the same settings: Bob watches Alice's run
            b.locator('[data-testid="stProgress"]').wait_for(timeout=30_000)
            alice.close()  # Alice's tab closes; Bob still looks at the run
            b.wait_for_timeout(5_000)
            assert b.locator('[data-testid="stProgress"]').count() == 1 and "ended early" not in main_text(b)
            bob.close()  # nobody looks at it any more: cancelled after the grace
            c = carol.new_page()
            c.wait_for_timeout(6_000)
            open_page(c, long_run)
            assert "Press Compare" in main_text(c)  # the cancelled run is not offered as a stored one
            assert c.locator('[data-testid="stProgress"]').count() == 0
        finally:
            for context in (alice, bob, carol):
                context.close()
