"""The app in a real browser: navigation, the in-browser animation, reruns on widget changes, bad input, links.

Run: .venv/bin/python -m pytest -q tests/browser   (screenshots land in test-artifacts/screenshots/)
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_page, rerun, screenshot, script_runs, watch_script_runs

pytestmark = pytest.mark.browser

# Navigation label, h1, URL path, screenshot name
PAGES = [
    ("What is a GRU?", "Inside a Gated Recurrent Unit", "/", "home"),
    ("One step", "One step under the microscope", "/one-step", "one-step"),
    ("Gates over time", "Gates over time", "/gates-over-time", "gates-over-time"),
    ("Train a GRU", "Train a GRU", "/train", "train"),
]
ANIMATED = '.js-plotly-plot:has(.updatemenu-button)'  # the Gates-over-time animation (the challenge chart has none)
SLIDER_ACTIVE = "g => g._fullLayout.sliders[0].active"
IMAGE_SOURCE = "g => g._fullLayout.images[1].source"  # the reset-gate heatmap, a PNG data URI

# Pressing Pause interrupts Plotly.animate's running Play promise; plotly.js rejects it with `undefined` and its
# updatemenu does not catch that, so Chromium reports an uncaught "undefined" page error. That is plotly.js's
# documented behaviour for mode="immediate" (and harmless), not the app's.
PLOTLY_PAUSE_REJECTION = "undefined"


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
    """The Gates-over-time chart, once Plotly has drawn it."""
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
    """save_to_url writes the settings into the address bar at the end of a run."""
    page.wait_for_function("([n, v]) => new URLSearchParams(location.search).get(n) === v", arg=[name, value])


def wait_for_frame_count(chart, n: int) -> None:
    chart.page.wait_for_function(f"() => document.querySelector('{ANIMATED}')?._fullLayout?.sliders[0].steps.length"
                                 f" === {n}")


def nudge_slider(page, label: str, key: str = "ArrowLeft") -> None:
    """Move a slider one step with the keyboard and wait for the rerun."""
    with rerun(page):
        widget(page, "stSlider", label).locator('input[type="range"]').focus()
        page.keyboard.press(key)


def wait_for_new_figure(page, chart, before: str, timeout_ms: int = 30_000) -> str:
    """Wait until the chart's heatmap image differs from `before` (the figure was redrawn); return the new one."""
    chart.evaluate(f"""(g, before) => new Promise((resolve, reject) => {{
        const t0 = performance.now();
        (function poll() {{
            if (g._fullLayout && g._fullLayout.images[1] && g._fullLayout.images[1].source !== before) resolve();
            else if (performance.now() - t0 > {timeout_ms}) reject(new Error('chart was not redrawn'));
            else requestAnimationFrame(poll);
        }})();
    }})""", before)
    return chart.evaluate(IMAGE_SOURCE)


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


# (b) -----------------------------------------------------------------------------------------------------------
def test_play_and_pause_run_in_the_browser(page):
    open_page(page, "/gates-over-time?seq=sine&T=100&H=8")
    chart = animated_chart(page)
    assert chart.locator("image").count() >= 6  # input-free sine: r, u, ĥ, h heatmaps and two colour keys
    assert chart.evaluate(SLIDER_ACTIVE) == 0
    current = chart.locator(".slider-group > text.slider-label")  # Plotly's "step t = …" current-value text
    assert current.text_content() == "step t = 0"
    watch_script_runs(page)

    chart.locator(".updatemenu-button", has_text="Play").click()
    page.wait_for_function(f"() => ({SLIDER_ACTIVE})(document.querySelector('{ANIMATED}')) >= 5", timeout=5000)
    playing_at = chart.evaluate(SLIDER_ACTIVE)
    assert chart.locator("image").count() >= 6, "heatmap images vanished while playing"
    assert re.fullmatch(r"step t = \d+", current.text_content())
    screenshot(page, "gates-over-time-playing", element=page.locator('[data-testid="stPlotlyChart"]', has=chart))

    chart.locator(".updatemenu-button", has_text="Pause").click()
    page.wait_for_timeout(100)
    paused_at = chart.evaluate(SLIDER_ACTIVE)
    assert paused_at >= playing_at
    page.wait_for_timeout(1000)
    assert chart.evaluate(SLIDER_ACTIVE) == paused_at, "the animation kept running after Pause"
    assert paused_at < 99, "the animation ran to its end: Pause came too late to test anything"
    label = chart.evaluate("g => g._fullLayout.sliders[0].steps[g._fullLayout.sliders[0].active].label")
    assert current.text_content() == f"step t = {label}"
    assert chart.locator("image").count() >= 6
    assert script_runs(page) == 0, "playing or pausing made Streamlit rerun the script"
    assert page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state") == "notRunning"
    assert_clean(page, allow_page_errors=(PLOTLY_PAUSE_REJECTION,))


# (c) -----------------------------------------------------------------------------------------------------------
def test_widget_changes_redraw_the_chart(page):
    open_page(page, "/gates-over-time?seq=sine&T=60&H=8&weights=random&seed=0")
    chart = animated_chart(page)
    source = chart.evaluate(IMAGE_SOURCE)
    assert chart.evaluate("g => g._fullLayout.yaxis2.tickvals.length") == 8

    nudge_slider(page, "hidden size H")
    expect(slider_input(page, "hidden size H")).to_have_value("7")
    source = wait_for_new_figure(page, chart, source)
    assert chart.evaluate("g => g._fullLayout.yaxis2.tickvals.length") == 7  # one row per unit
    wait_for_url_param(page, "H", "7")

    choose(page, "weights", "Keeps its memory (u near 1)")
    expect(selectbox_input(page, "weights")).to_have_value("Keeps its memory (u near 1)")
    source = wait_for_new_figure(page, chart, source)
    wait_for_url_param(page, "weights", "keeper")

    seed = number_input(page, "weight seed")
    with rerun(page):
        seed.fill("5")
        seed.press("Enter")
    wait_for_new_figure(page, chart, source)
    wait_for_url_param(page, "seed", "5")
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
    assert chart.locator("image").count() >= 6, "the chart is gone after bad input"


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
    open_page(page, "/gates-over-time?seq=custom&custom=0,1,0,0,-1,0")
    animated_chart(page)
    expect(selectbox_input(page, "input sequence")).to_have_value("Custom numbers")
    _type_custom_numbers(page, "1, 2, banana")
    _assert_banana_reported(page)
    _type_custom_numbers(page, "1, 2, 3, 0, 0")  # and a good sequence clears the error
    expect(page.locator('[data-testid="stAlert"]', has_text="banana")).to_have_count(0)
    wait_for_frame_count(animated_chart(page), 5)
    assert_clean(page)


# (e) -----------------------------------------------------------------------------------------------------------
def test_gates_link_restores_its_settings(page):
    open_page(page, "/gates-over-time?seq=square&T=40&H=4&seed=3")
    chart = animated_chart(page)
    expect(selectbox_input(page, "input sequence")).to_have_value("Square wave")
    expect(slider_input(page, "length T")).to_have_value("40")
    expect(slider_input(page, "hidden size H")).to_have_value("4")
    expect(number_input(page, "weight seed")).to_have_value("3")
    assert chart.evaluate("g => g._fullLayout.sliders[0].steps.length") == 40
    assert chart.evaluate("g => g._fullLayout.yaxis2.tickvals.length") == 4
    assert page.locator('[data-testid="stAlert"]', has_text="Link setting").count() == 0
    assert_clean(page)


def test_one_step_link_restores_its_settings(page):
    open_page(page, "/one-step?H=3&D=2")
    expect(slider_input(page, "hidden size H")).to_have_value("3")
    expect(slider_input(page, "input size D")).to_have_value("2")
    expect(widget(page, "stSlider", "h_(t−1)[")).to_have_count(3)
    expect(widget(page, "stSlider", "x_t[")).to_have_count(2)
    assert_clean(page)


def test_invalid_link_shows_a_notice_and_still_renders(page):
    open_page(page, "/gates-over-time?T=banana")
    notice = page.locator('[data-testid="stAlert"]', has_text="T=banana")
    notice.first.wait_for()
    assert "using 100" in notice.first.inner_text()
    expect(slider_input(page, "length T")).to_have_value("100")
    assert animated_chart(page).locator("image").count() >= 6
    assert_clean(page)


# a page's settings survive a visit to another page ---------------------------------------------------------------
def test_settings_survive_a_visit_to_another_page(page):
    """Regression (fixed in 142e3c6): coming back reset T and H to the sliders' minimum, 1."""
    open_page(page, "/gates-over-time?seq=sine&T=40&H=5&seed=7")
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
