"""The app in a real browser: navigation, reruns on widget changes, bad input, links (the gates chart's own
behaviour, Play, Pause, scrubbing and the step link, is in test_chart.py).

Run: .venv/bin/python -m pytest -q tests/browser   (screenshots land in test-artifacts/screenshots/)
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_page, rerun, screenshot

pytestmark = pytest.mark.browser

# Navigation label, h1, URL path, screenshot name
PAGES = [
    ("What is a GRU?", "Inside a Gated Recurrent Unit", "/", "home"),
    ("One step", "One step under the microscope", "/one-step", "one-step"),
    ("Gates over time", "Gates over time", "/gates-over-time", "gates-over-time"),
    ("Train a GRU", "Train a GRU", "/train", "train"),
]
ANIMATED = ".gv-gates"  # the Gates-over-time chart element (pages/_chart.py); test_chart.py tests it in depth
SPEC = f"() => document.querySelector('{ANIMATED}').__gvSpec"  # the id of the chart spec it shows


def assert_clean(page, allow_page_errors: tuple[str, ...] = ()) -> None:
    """No Streamlit exception box, no uncaught page error, no unexpected console error."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, "Streamlit exception shown:\n" + "\n---\n".join(exceptions.all_inner_texts())
    errors = [e for e in page.log.page_errors if e not in allow_page_errors]
    assert not errors, f"page errors: {errors}"
    assert not page.log.relevant_console_errors(), f"console errors: {page.log.relevant_console_errors()}"


def heading(page):
    return page.locator('[data-testid="stMain"] h1').first


def animated_chart(page):
    """The Gates-over-time chart element, once plotly.js has drawn it."""
    chart = page.locator(ANIMATED).first
    chart.locator(".main-svg").first.wait_for()
    return chart


def widget(page, testid: str, label: str):
    """A Streamlit widget by its data-testid and visible label."""
    return page.locator(f'[data-testid="{testid}"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label))


def selectbox_input(page, label: str):
    return widget(page, "stSelectbox", label).locator("input")


def choose(page, label: str, option: str) -> None:
    """Pick an option of a select box and wait for the rerun."""
    with rerun(page):
        widget(page, "stSelectbox", label).click()
        page.get_by_role("option", name=option, exact=True).click()


def slider_input(page, label: str):
    return widget(page, "stSlider", label).locator('input[type="range"]')


def number_input(page, label: str):
    return widget(page, "stNumberInput", label).locator("input")


def wait_for_url_param(page, name: str, value: str) -> None:
    """Streamlit writes a bound setting into the address bar as it changes."""
    page.wait_for_function("([n, v]) => new URLSearchParams(location.search).get(n) === v", arg=[name, value])


def wait_for_step_count(chart, n: int) -> None:
    """The chart's own step slider runs over n steps."""
    chart.page.wait_for_function(f"() => document.querySelector('{ANIMATED} .gv-step')?.max === '{n - 1}'")


def nudge_slider(page, label: str, key: str = "ArrowLeft") -> None:
    """Move a slider one step with the keyboard and wait for the rerun."""
    with rerun(page):
        widget(page, "stSlider", label).locator('input[type="range"]').focus()
        page.keyboard.press(key)


def wait_for_new_figure(page, before: str, timeout_ms: int = 30_000) -> str:
    """Wait until the chart shows another spec than `before` (it was updated); return the new spec's id."""
    page.wait_for_function(f"b => ({SPEC})() !== b", arg=before, timeout=timeout_ms)
    return page.evaluate(SPEC)


# (a) -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("label", "title", "path", "shot"), PAGES, ids=[p[3] for p in PAGES])
def test_page_opens_from_sidebar(page, label, title, path, shot):
    open_page(page, "/one-step" if path == "/" else "/")  # start elsewhere, so the click really navigates
    nav = page.locator('[data-testid="stSidebarNav"]')
    link = nav.locator('[data-testid="stSidebarNavLink"]', has_text=label)
    assert link.count() == 1, f"sidebar links: {nav.locator('[data-testid=stSidebarNavLink]').all_inner_texts()}"
    with rerun(page):
        link.click()
    page.wait_for_function("p => location.pathname === p", arg=path)
    expect(heading(page)).to_have_text(title)
    if path == "/gates-over-time":
        animated_chart(page)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2")
    if path == "/one-step":
        page.locator('[data-testid="stImage"] img').first.wait_for()
    assert_clean(page)
    screenshot(page, shot)


# (b) Play, Pause and scrubbing: tests/browser/test_chart.py ------------------------------------------------------


# (c) -----------------------------------------------------------------------------------------------------------
def test_widget_changes_redraw_the_chart(page):
    open_page(page, "/gates-over-time?got_T=60&got_H=8&got_seed=0")
    chart = animated_chart(page)
    source = page.evaluate(SPEC)
    expect(chart.locator(".gv-table tbody tr")).to_have_count(8)

    nudge_slider(page, "hidden size H")
    expect(slider_input(page, "hidden size H")).to_have_value("7")
    source = wait_for_new_figure(page, source)
    expect(chart.locator(".gv-table tbody tr")).to_have_count(7)  # one row per unit
    wait_for_url_param(page, "got_H", "7")

    choose(page, "weights", "Keeps its memory (u near 1)")
    expect(selectbox_input(page, "weights")).to_have_value("Keeps its memory (u near 1)")
    source = wait_for_new_figure(page, source)
    wait_for_url_param(page, "got_weights", "Keeps its memory (u near 1)")

    seed = number_input(page, "weight seed")
    with rerun(page):
        seed.fill("5")
        seed.press("Enter")
    wait_for_new_figure(page, source)
    wait_for_url_param(page, "got_seed", "5")
    assert_clean(page)
    screenshot(page, "gates-over-time-keeper")


# (d) -----------------------------------------------------------------------------------------------------------
def _type_custom_numbers(page, text: str) -> None:
    area = widget(page, "stTextArea", "numbers, separated by commas").locator("textarea")
    with rerun(page):
        area.fill(text)
        area.press("Control+Enter")


def _assert_banana_reported(page) -> None:
    alert = page.locator('[data-testid="stAlert"]', has_text="banana")
    alert.first.wait_for()
    assert "is not a number" in alert.first.inner_text()
    chart = animated_chart(page)
    assert chart.locator(".gv-heat canvas").count() >= 4, "the chart is gone after bad input"  # x, r, u, h


def test_bad_custom_numbers_are_reported_and_the_chart_stays(page):
    open_page(page, "/gates-over-time")
    animated_chart(page)
    choose(page, "input sequence", "Custom numbers")
    expect(selectbox_input(page, "input sequence")).to_have_value("Custom numbers")
    # regression (fixed in 142e3c6): the T slider, hidden for custom numbers, lost its state and this rerun
    # raised KeyError 'got_T'
    _type_custom_numbers(page, "1, 2, banana")
    _assert_banana_reported(page)
    assert_clean(page)
    screenshot(page, "gates-over-time-bad-input", full=False)


def test_bad_custom_numbers_from_a_custom_link(page):
    """The same check from a link that opens on custom numbers (a path the T-slider bug does not reach)."""
    open_page(page, "/gates-over-time?got_seq=Custom+numbers&got_custom=0,1,0,0,-1,0")
    animated_chart(page)
    expect(selectbox_input(page, "input sequence")).to_have_value("Custom numbers")
    _type_custom_numbers(page, "1, 2, banana")
    _assert_banana_reported(page)
    _type_custom_numbers(page, "1, 2, 3, 0, 0")  # and a good sequence clears the error
    expect(page.locator('[data-testid="stAlert"]', has_text="banana")).to_have_count(0)
    wait_for_step_count(animated_chart(page), 5)
    assert_clean(page)


# (e) -----------------------------------------------------------------------------------------------------------
def test_gates_link_restores_its_settings(page):
    open_page(page, "/gates-over-time?got_seq=Square+wave&got_T=40&got_H=4&got_seed=3")
    chart = animated_chart(page)
    expect(selectbox_input(page, "input sequence")).to_have_value("Square wave")
    expect(slider_input(page, "length T")).to_have_value("40")
    expect(slider_input(page, "hidden size H")).to_have_value("4")
    expect(number_input(page, "weight seed")).to_have_value("3")
    wait_for_step_count(chart, 40)
    expect(chart.locator(".gv-table tbody tr")).to_have_count(4)
    assert page.locator(".st-key-link_notices").count() == 0
    assert_clean(page)


def test_one_step_link_restores_its_settings(page):
    open_page(page, "/one-step?os_H=3&os_D=2")
    expect(slider_input(page, "hidden size H")).to_have_value("3")
    expect(slider_input(page, "input size D")).to_have_value("2")
    expect(widget(page, "stSlider", "h_(t−1)[")).to_have_count(3)
    expect(widget(page, "stSlider", "x_t[")).to_have_count(2)
    assert_clean(page)


def test_invalid_link_shows_a_notice_and_still_renders(page):
    open_page(page, "/gates-over-time?got_T=banana", notices=True)
    notice = page.locator(".st-key-link_notices")
    notice.first.wait_for()
    assert "got_T=banana → 100" in notice.first.inner_text()
    expect(slider_input(page, "length T")).to_have_value("100")
    assert animated_chart(page).locator(".gv-heat canvas").count() >= 4
    assert_clean(page)


# a page's settings survive a visit to another page ---------------------------------------------------------------
def test_settings_survive_a_visit_to_another_page(page):
    """Regression (fixed in 142e3c6): coming back reset T and H to the sliders' minimum, 1."""
    open_page(page, "/gates-over-time?got_T=40&got_H=5&got_seed=7")
    animated_chart(page)
    nav = page.locator('[data-testid="stSidebarNav"]')
    with rerun(page):
        nav.locator('[data-testid="stSidebarNavLink"]', has_text="One step").click()
    expect(heading(page)).to_have_text("One step under the microscope")
    with rerun(page):
        nav.locator('[data-testid="stSidebarNavLink"]', has_text="Gates over time").click()
    expect(heading(page)).to_have_text("Gates over time")
    animated_chart(page)
    expect(slider_input(page, "length T")).to_have_value("40")
    expect(slider_input(page, "hidden size H")).to_have_value("5")
    expect(number_input(page, "weight seed")).to_have_value("7")
    assert_clean(page)
