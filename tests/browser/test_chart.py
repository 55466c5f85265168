"""The gates chart element in Chromium: Play, Pause and scrubbing drive the numbers table and the cell diagram, the
Streamlit step moves the cursor, a click on a heatmap cell opens One step, a widget change updates the same element.

Run: .venv/bin/python -m pytest -q tests/browser/test_chart.py
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from gru_viz import diagram, presets, run_gru, sequences
from gru_viz.sequences import preset_sequence
from tests.browser.conftest import (IDLE, open_page, rerun, screenshot, script_runs, tab_to, wait_idle,
                                    watch_script_runs)

pytestmark = pytest.mark.browser

CHART = ".gv-gates"
SETTINGS = "got_T=60&got_H=3&got_seed=0"
NUMBER = re.compile(r"−?\d+\.\d+")


def the_trace():
    """The trace the page shows for SETTINGS, from the NumPy core."""
    x, _ = preset_sequence("sine", 60, 0)
    return run_gru(presets.preset_weights("random", 1, 3, 0), x)


def chart_ready(page):
    chart = page.locator(CHART)
    page.wait_for_function(f"() => document.querySelector('{CHART}')?.dataset.step !== undefined", timeout=60_000)
    return chart


def chart_step(page) -> int:
    return int(page.locator(CHART).get_attribute("data-step"))


def numbers(text: str) -> list[float]:
    return [float(v.replace("−", "-")) for v in NUMBER.findall(text)]


def assert_shows_step(page, trace, t: int) -> None:
    """The heading, the table and the diagram all show step t, with the core's numbers."""
    assert page.locator(f"{CHART} .gv-heading").inner_text().startswith(f"The numbers at step t = {t}")
    assert page.locator(f"{CHART} .gv-step-out").inner_text() == f"step t = {t}"
    rows = page.locator(f"{CHART} .gv-table tbody tr").all_inner_texts()
    table = np.array([numbers(row)[0:] for row in rows])  # (H, 5): h_prev, r, u, ĥ, h (the unit is an integer)
    want = np.column_stack([trace.h_prev[t], trace.r[t], trace.u[t], trace.candidate[t], trace.h[t]])
    np.testing.assert_allclose(table, want, atol=0.0005 + 1e-6)
    shown = page.evaluate(f"""() => Object.fromEntries(
        [...document.querySelectorAll('{CHART} .gv-diagram g[id^="node-"]')].map(g => [g.id.slice(5), {{fill: g.querySelector('rect').getAttribute('fill'),
                                   lines: [...g.querySelectorAll('text.value')].map(t => t.textContent)}}]))""")
    values = dict(x=trace.x[t], h_prev=trace.h_prev[t], r=trace.r[t], u=trace.u[t], candidate=trace.candidate[t],
                  h=trace.h[t])
    for key, value in values.items():
        kind = "gate" if key in ("r", "u") else "state"
        lines = diagram.format_values(value)  # what gru_viz.diagram.cell_svg would write for this step
        got = shown[key]["lines"]
        assert [NUMBER.sub("#", line) for line in got] == [NUMBER.sub("#", line) for line in lines], (key, got, lines)
        np.testing.assert_allclose(numbers(" ".join(got)), numbers(" ".join(lines)), atol=0.005 + 1e-6)
        fill = np.array(diagram._rgb(shown[key]["fill"]))
        assert np.abs(fill - diagram._rgb(diagram.mean_colour(value, kind))).max() <= 2, key


def cursor_is_at(page, t: int) -> bool:
    """The cursor line stands over step t of the time axis (within a pixel)."""
    return page.evaluate(f"""t => {{
        const xa = document.querySelector('{CHART} .gv-plot')._fullLayout.xaxis;
        const left = parseFloat(document.querySelector('{CHART} .gv-cursor').style.left);
        return Math.abs(left + 1 - (xa._offset + xa.l2p(t))) < 1;
    }}""", t)


def test_play_then_pause_leaves_the_table_and_diagram_at_the_charts_step(page):
    open_page(page, f"/gates-over-time?{SETTINGS}")
    chart_ready(page)
    trace = the_trace()
    assert_shows_step(page, trace, 0)
    watch_script_runs(page)
    play = page.locator(f"{CHART} .gv-play")
    play.click()
    page.wait_for_function(f"() => +document.querySelector('{CHART}').dataset.step >= 5", timeout=10_000)
    assert script_runs(page) == 0, "playing made Streamlit rerun the script"
    assert play.inner_text() == "❚❚ Pause" and play.get_attribute("aria-pressed") == "true"
    play.click()
    paused_at = chart_step(page)
    assert 5 <= paused_at < 59, "Pause came too late to test anything"
    page.wait_for_timeout(800)
    assert chart_step(page) == paused_at, "the cursor kept moving after Pause"
    assert_shows_step(page, trace, paused_at)
    assert cursor_is_at(page, paused_at)
    # the chart reports where it came to rest, once: the step setting and the link follow
    page.wait_for_function("s => new URLSearchParams(location.search).get('got_step') === s", arg=str(paused_at))
    wait_idle(page)
    assert script_runs(page) == 1, f"{script_runs(page)} reruns for one Play and Pause"
    expect(page.locator('[data-testid="stSlider"]').filter(has_text="step t").get_by_role("slider")).to_have_value(
        str(paused_at))
    assert f"At step {paused_at}:" in page.locator(CHART).get_attribute("aria-label")  # from Python, at rest
    assert not page.log.page_errors and not page.log.relevant_console_errors()
    screenshot(page, "gates-chart-paused", element=page.locator(CHART))


def test_scrubbing_updates_the_table_and_diagram_in_the_same_frame(page):
    open_page(page, f"/gates-over-time?{SETTINGS}")
    chart_ready(page)
    trace = the_trace()
    scrub = page.locator(f"{CHART} .gv-step")
    watch_script_runs(page)
    # the table and diagram are written in the input event itself, before the browser paints the next frame
    same_frame = page.evaluate(f"""() => {{
        const scrub = document.querySelector('{CHART} .gv-step');
        scrub.value = '17';
        scrub.dispatchEvent(new Event('input', {{bubbles: true}}));
        return document.querySelector('{CHART} .gv-heading').textContent;
    }}""")
    assert same_frame.startswith("The numbers at step t = 17")
    assert_shows_step(page, trace, 17)
    assert cursor_is_at(page, 17)
    # a drag with the mouse: no rerun while dragging, one when the cursor comes to rest
    box = scrub.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    for frac in (0.3, 0.4, 0.5, 0.6, 0.7):
        page.mouse.move(box["x"] + box["width"] * frac, y)
        page.wait_for_timeout(30)
    assert script_runs(page) == 0, "dragging made Streamlit rerun the script"
    page.mouse.up()
    t = chart_step(page)
    assert 30 <= t <= 50
    assert_shows_step(page, trace, t)
    page.wait_for_function("s => new URLSearchParams(location.search).get('got_step') === s", arg=str(t))
    wait_idle(page)
    assert script_runs(page) == 1, f"{script_runs(page)} reruns for one drag"
    # the keyboard scrubs too
    scrub.focus()
    page.keyboard.press("End")
    assert chart_step(page) == 59
    assert_shows_step(page, trace, 59)
    assert not page.log.page_errors and not page.log.relevant_console_errors()


def test_the_streamlit_step_slider_moves_the_charts_cursor(page):
    open_page(page, f"/gates-over-time?{SETTINGS}&got_step=10")
    chart_ready(page)
    assert chart_step(page) == 10 and cursor_is_at(page, 10)
    page.evaluate(f"() => {{ window.__chartNode = document.querySelector('{CHART}'); }}")
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="step t").get_by_role("slider")
    with rerun(page):
        slider.focus()
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => document.querySelector('{CHART}').dataset.step === '11'")
    assert cursor_is_at(page, 11)
    assert_shows_step(page, the_trace(), 11)
    assert page.evaluate(f"() => window.__chartNode === document.querySelector('{CHART}')")


def test_a_click_on_a_heatmap_cell_opens_that_step_and_unit_in_one_step(page):
    open_page(page, f"/gates-over-time?{SETTINGS}")
    chart_ready(page)
    cell = page.evaluate(f"""() => {{  // the middle of the update-gate cell of step 37, unit 2
        const plot = document.querySelector('{CHART} .gv-plot');
        plot.scrollIntoView({{block: 'center'}});
        const fl = plot._fullLayout, box = plot.getBoundingClientRect();
        return {{x: box.left + fl.xaxis._offset + fl.xaxis.l2p(37),
                 y: box.top + fl.yaxis3._offset + fl.yaxis3.l2p((2 + 0.5) / 3)}};
    }}""")
    page.mouse.move(cell["x"], cell["y"])
    expect(page.locator(f"{CHART} .gv-tip")).to_have_text(re.compile(r"^u, unit 2, t = 37: \d\.\d{3} · click"))
    with rerun(page):
        page.mouse.click(cell["x"], cell["y"])
    page.wait_for_function("() => location.pathname === '/one-step'")
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text("One step under the microscope")
    # One step shows the cell it was handed: that step and unit, and the settings it came from
    banner = page.get_by_text(re.compile(r"^Step 37, unit 2 of the GRU from Gates over time \(Gates over time: "
                                         r".*H = 3, seed 0\)$"))
    expect(banner).to_be_visible()
    expect(banner).to_be_in_viewport()  # One step starts at its top, not at the Gates page's scroll position
    assert not page.log.page_errors


# the lines are drawn by the element over plotly.js's axes (an SVG path each)
LINES_DRAWN = f"""() => [...document.querySelectorAll('{CHART} .gv-lines path')]
    .filter(p => (p.getAttribute('d') || '').length > 10).length"""


def test_a_widget_change_updates_the_chart_in_the_same_element(page):
    open_page(page, f"/gates-over-time?{SETTINGS}")
    chart_ready(page)
    page.evaluate(f"() => {{ window.__chartNode = document.querySelector('{CHART}'); "
                  "window.__chartNode.__mark = 42; }")
    assert page.evaluate(LINES_DRAWN) == 5  # the input, three units, the state path

    def change(press):
        before = page.evaluate(f"() => document.querySelector('{CHART}').__gvSpec")
        with rerun(page):
            press()
        page.wait_for_function(f"b => document.querySelector('{CHART}').__gvSpec !== b", arg=before)
        assert page.evaluate(f"() => window.__chartNode === document.querySelector('{CHART}') "
                             "&& window.__chartNode.__mark === 42"), "the chart element was replaced"

    # new weights, the same figure: the pictures and the lines change in place (and the input line, not sent
    # again, is still drawn: plotly.js blanks what an animation leaves out)
    change(lambda: page.locator('[data-testid="stNumberInput"]').filter(has_text="weight seed").locator(
        '[data-testid="stNumberInputStepUp"]').click())
    assert page.evaluate(LINES_DRAWN) == 5
    assert_shows_step(page, run_gru(presets.preset_weights("random", 1, 3, 1), preset_sequence("sine", 60, 1)[0]), 0)
    # another hidden size: a fourth unit line and table row
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="hidden size H").get_by_role("slider")

    def more_units():
        slider.focus()
        page.keyboard.press("ArrowRight")

    change(more_units)
    expect(page.locator(f"{CHART} .gv-table tbody tr")).to_have_count(4)
    assert page.evaluate(LINES_DRAWN) == 6
    assert not page.log.page_errors and not page.log.relevant_console_errors()


def test_input_lines_named_by_the_students_text_show_their_names_as_typed(page):
    """Characters of the student's text name the input's lines: escaped for plotly.js, the hover shows them as typed
    (the element unescapes Python's html.escape itself)."""
    text = "<&'\"<"  # four characters: drawn as lines, not as a heatmap
    link = urllib.parse.urlencode({"got_seq": sequences.PRESETS["text"], "got_text": text})
    open_page(page, f"/gates-over-time?{link}")
    chart_ready(page)
    x, names = preset_sequence("text", len(text), 0, text)
    assert x.shape[1] == 4 and "<" in names
    spot = page.evaluate(f"""() => {{  // the "<" line at step 0, where it is 1
        const plot = document.querySelector('{CHART} .gv-plot');
        plot.scrollIntoView({{block: 'center'}});
        const fl = plot._fullLayout, box = plot.getBoundingClientRect();
        return {{x: box.left + fl.xaxis._offset + fl.xaxis.l2p(0), y: box.top + fl.yaxis._offset + fl.yaxis.l2p(1)}};
    }}""")
    page.mouse.move(spot["x"] + 1, spot["y"])
    expect(page.locator(f"{CHART} .gv-tip")).to_have_text("<, t = 0: 1.000")
    page.mouse.move(spot["x"] + 1, spot["y"] + 200)
    assert not page.log.page_errors


def test_the_unit_picker_draws_other_units_as_lines_without_a_rerun(page):
    open_page(page, "/gates-over-time?got_seq=Sine+wave&got_T=60&got_H=10&got_seed=0")
    chart_ready(page)
    chips = page.locator(f"{CHART} .gv-chip")
    expect(chips).to_have_count(10)
    pressed = f"() => [...document.querySelectorAll('{CHART} .gv-chip')].map(c => c.getAttribute('aria-pressed'))"
    assert page.evaluate(pressed) == ["true"] * 4 + ["false"] * 6  # units 0-3 at first
    assert page.evaluate(LINES_DRAWN) == 6  # the input, four units, the state path
    watch_script_runs(page)
    chips.nth(1).click()
    assert page.evaluate(LINES_DRAWN) == 5 and chips.nth(1).get_attribute("aria-pressed") == "false"
    for k in (1, 4, 5, 6, 7):
        chips.nth(k).click()
    assert page.evaluate(LINES_DRAWN) == 10  # eight units: as many as there are line colours
    expect(chips.nth(8)).to_be_disabled()
    chips.nth(0).click()
    expect(chips.nth(8)).to_be_enabled()
    colours = page.evaluate(f"() => [...document.querySelectorAll('{CHART} .gv-lines path')]"
                            ".filter(p => p.getAttribute('d')).map(p => p.getAttribute('stroke'))")
    assert len(set(colours[1:-1])) == 7  # seven unit lines, seven colours
    page.wait_for_timeout(400)
    assert script_runs(page) == 0, "choosing units made Streamlit rerun the script"
    assert not page.log.page_errors


def test_a_javascript_error_shows_a_message_and_the_chart_stays(page):
    open_page(page, f"/gates-over-time?{SETTINGS}")
    chart_ready(page)
    page.evaluate(f"""() => document.querySelector('{CHART}').__gvChart.receive(
        {{spec: {{id: 'broken', arrays: {{}}}}, step: 0, alt: 'broken'}}, {{}})""")
    alert = page.locator(f"{CHART} .gv-error")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Reload the page")
    assert page.locator(f"{CHART} .gv-plot .main-svg").count() >= 1, "the old chart is gone"
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_chart_is_keyboard_reachable_and_labelled(page):
    open_page(page, f"/gates-over-time?{SETTINGS}")
    chart = chart_ready(page)
    assert chart.get_attribute("role") == "figure"
    assert re.search(r"over 60 steps", chart.get_attribute("aria-label"))
    play = page.locator(f"{CHART} .gv-play")
    tab_to(page, play, "the Play button")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('gv-step')")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert chart_step(page) == 2
    open_button = page.locator(f"{CHART} .gv-open-button")
    open_button.focus()
    with rerun(page):
        page.keyboard.press("Enter")
    page.wait_for_function("() => location.pathname === '/one-step'")


def test_the_chart_needs_nothing_from_outside_the_app(page, app_url):
    foreign = []
    page.on("request", lambda request: foreign.append(request.url)
            if not request.url.startswith((app_url, "data:", "blob:")) else None)
    open_page(page, f"/gates-over-time?{SETTINGS}")
    chart_ready(page)
    assert page.evaluate("() => window.Plotly && window.Plotly.version").startswith("4.")
    assert page.evaluate(
        "() => [...document.scripts].some(s => s.dataset.plotly?.endsWith('/app/static/plotly-basic.min.js'))")
    assert not foreign, foreign


MODEBAR_TITLES = "() => [...document.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title'))"


def test_no_chart_offers_to_send_its_data_to_a_cloud(page, app_url):
    """plotly.js 4 shows "Share chart..." by default, which posts the figure's numbers to cloud.plotly.com."""
    foreign = []
    page.on("request", lambda request: foreign.append(request.url)
            if not request.url.startswith((app_url, "data:", "blob:")) else None)
    open_page(page, f"/gates-over-time?{SETTINGS}&got_challenge=true")  # the gates chart and a draw_figure chart
    chart_ready(page)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2")
    titles = page.evaluate(MODEBAR_TITLES)
    assert titles and not [title for title in titles if "share" in title.lower() or "cloud" in title.lower()], titles
    assert page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].every("
                         "g => g._context.showSendToCloud === false && g._context.plotlyServerURL === '')")
    assert not foreign, foreign


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 720), (1920, 1080)])
def test_the_chart_fits_the_screen(browser, app_url, width, height):
    context = browser.new_context(base_url=app_url, viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        open_page(page, "/gates-over-time?got_T=100&got_H=8")
        chart_ready(page)
        sizes = page.evaluate(f"""() => {{
            const chart = document.querySelector('{CHART}');
            const svg = chart.querySelector('.main-svg');
            return {{chart: chart.getBoundingClientRect().width, plot: svg.getBoundingClientRect().width,
                     overflow: chart.scrollWidth - chart.clientWidth,
                     diagram: chart.querySelector('.gv-diagram svg').getBoundingClientRect().width}};
        }}""")
        assert sizes["overflow"] <= 1 and sizes["plot"] <= sizes["chart"] + 1, sizes
        assert sizes["diagram"] >= min(700, width - 60) or sizes["diagram"] >= 640, sizes  # text ≥ 9 px
        screenshot(page, f"gates-chart-{width}x{height}", full=True)
    finally:
        context.close()


def test_the_train_page_moves_through_training_time(page):
    """A tiny run, then the training-time slider swaps the heatmaps, the lines and the numbers."""
    open_page(page, "/train?tr_T=10&tr_H=4&tr_steps=20&tr_seed=0")
    with rerun(page):
        page.get_by_role("button", name="Train").click()
    chart = page.locator(CHART)
    chart.wait_for(timeout=120_000)
    chart_ready(page)
    snap = page.locator(f"{CHART} .gv-snap")
    expect(snap).to_be_visible()
    last = int(snap.get_attribute("max"))
    assert last >= 1
    heading = page.locator(f"{CHART} .gv-heading")
    assert f"training step 20" in heading.inner_text()
    image = f"() => document.querySelectorAll('{CHART} .gv-heat canvas')[1].toDataURL()"  # the u heatmap
    table = page.locator(f"{CHART} .gv-table tbody").inner_text()
    before = page.evaluate(image)
    watch_script_runs(page)
    snap.focus()
    page.keyboard.press("Home")
    page.wait_for_function(f"b => ({image})() !== b", arg=before)
    assert "training step 0" in heading.inner_text()
    assert page.locator(f"{CHART} .gv-table tbody").inner_text() != table
    page.wait_for_timeout(500)
    assert script_runs(page) == 0, "moving through training time made Streamlit rerun the script"
    page.wait_for_selector(IDLE)
    assert not page.log.page_errors
    screenshot(page, "train-gates-chart", element=chart)


def test_the_whole_trace_downloads_as_csv_without_a_rerun(page):
    open_page(page, f"/gates-over-time?{SETTINGS}")
    chart_ready(page)
    watch_script_runs(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the whole trace (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").strip().split("\n")
    assert lines[0].startswith("step,x[x],r[0],r[1],r[2],u[0]") and len(lines) == 61
    h = the_trace().h
    assert float(lines[-1].split(",")[-1]) == pytest.approx(h[59, 2], abs=1e-5)
    assert script_runs(page) == 0
