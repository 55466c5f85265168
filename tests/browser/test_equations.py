"""Equations and the cell diagram as a classroom sees them: every equation whole, every diagram label ≥ 11 px.

Run: .venv/bin/python -m pytest -q tests/browser/test_equations.py   (screenshots in test-artifacts/screenshots/)
"""

from __future__ import annotations

import urllib.parse

import pytest

from gru_viz import presets
from tests.browser.conftest import open_page, rerun, screenshot

pytestmark = pytest.mark.browser

VIEWPORTS = [(390, 844), (1024, 768), (1280, 720), (1920, 1080)]
PAGES = ["/", "/gates-over-time", "/train", "/compare", "/memory", "/one-step"]
# One step at its largest cell, every unit, both conventions, gate surgery, the largest inputs and a preset with
# the largest biases: the widest numbers its equations can show without editing weights
BIG = "os_H=4&os_D=3&os_x0=3&os_x1=-3&os_x2=3&os_h0=-1&os_h1=1&os_h2=-1&os_h3=1"
NO_PAST, KEEPER = (urllib.parse.quote_plus(presets.PRESETS[k]) for k in ("no_past", "keeper"))
ONE_STEP = ([f"/one-step?{BIG}&os_unit={k}&os_convention={c}" for k in range(4) for c in ("after", "before")]
            + [f"/one-step?{BIG}&os_unit=3&os_preset={NO_PAST}&os_seed=7&os_r_mode=1&os_u_mode=slider",
               f"/one-step?{BIG}&os_unit=2&os_preset={KEEPER}&os_seed=9999&os_convention=before&os_u_mode=0"])
MIN_PX = 11.0

# Every KaTeX element: is it wider than its box? Display math must not scroll inside its own block (Streamlit
# shrinks the block to the formula, and caps it at the column, scrolling what is wider), and any formula must lie
# inside the element that holds it (table cell, paragraph) and inside the page's element.
OVERFLOW_JS = """() => {
    const out = [];
    for (const k of document.querySelectorAll('[data-testid="stMain"] .katex')) {
        const r = k.getBoundingClientRect();
        if (r.width === 0) continue;  // in a closed expander
        const display = k.closest('.katex-display');
        const box = (display || k.closest('td, th, p, li, span[data-testid], div[data-testid="stMarkdownContainer"]')
                     || k.parentElement).getBoundingClientRect();
        const el = k.closest('[data-testid="stElementContainer"]');
        const outer = el ? el.getBoundingClientRect() : box;
        const over = Math.max(r.right - box.right, box.left - r.left, r.right - outer.right, outer.left - r.left);
        // KaTeX's aligned blocks always overhang their own box by 2 px of column glue: allow 3 px of scrolling
        const scroll = display ? display.scrollWidth - display.clientWidth : 0;
        if (over > 1 || scroll > 3) out.push([k.textContent.slice(0, 80), Math.round(Math.max(over, scroll))]);
    }
    return out;
}"""

# The rendered diagram of an <img>: its SVG laid out at the image's on-screen size, every text measured.
FONT_JS = """async (img) => {
    const source = await (await fetch(img.currentSrc || img.src)).text();
    const svg = document.importNode(new DOMParser().parseFromString(source, 'image/svg+xml').documentElement, true);
    const rect = img.getBoundingClientRect();
    svg.setAttribute('width', rect.width);
    svg.setAttribute('height', rect.height);
    const holder = document.createElement('div');
    holder.style.cssText = 'position:absolute;left:0;top:0;visibility:hidden';
    holder.appendChild(svg);
    document.body.appendChild(holder);
    const scale = svg.getScreenCTM().a;
    const texts = [];
    for (const el of svg.querySelectorAll('text, tspan')) {
        const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
        if (!own) continue;
        texts.push([own, parseFloat(getComputedStyle(el).fontSize) * scale, el.getBoundingClientRect().height]);
    }
    const convention = svg.querySelector('#convention')?.textContent || '';
    holder.remove();
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    const column = main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight);
    return {scale, width: rect.width, right: rect.right, column, texts, convention};
}"""


def overflowing_equations(page) -> list:
    page.locator('[data-testid="stMain"] .katex').first.wait_for(timeout=15_000)
    page.wait_for_timeout(300)  # KaTeX lays out after the element appears
    return page.evaluate(OVERFLOW_JS)


@pytest.mark.parametrize("width, height", VIEWPORTS)
def test_no_equation_is_wider_than_its_box(browser, app_url, width, height):
    context = browser.new_context(base_url=app_url, viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        for path in PAGES + ONE_STEP:
            open_page(page, path)
            if page.locator('[data-testid="stMain"] .katex').count() == 0:
                assert path not in ("/", "/one-step"), f"no equation at all on {path}"
                continue
            bad = overflowing_equations(page)
            assert not bad, f"equations wider than their box on {path} at {width}×{height}: {bad}"
            assert page.locator('[data-testid="stException"]').count() == 0, path
        if width in (390, 1280, 1920):
            screenshot(page, f"one-step-equations-{width}")
    finally:
        context.close()


def diagram(page):
    img = page.locator('[data-testid="stImage"] img').first
    img.wait_for()
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
    return img.evaluate(FONT_JS)


@pytest.mark.parametrize("path", ["/", "/one-step", f"/one-step?{BIG}&os_preset={KEEPER}"])
def test_diagram_text_is_at_least_11_px_at_1280(browser, app_url, path):
    context = browser.new_context(base_url=app_url, viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        open_page(page, path)
        found = diagram(page)
        assert len(found["texts"]) > 20, found
        small = [(text, round(px, 1)) for text, px, _ in found["texts"] if px < MIN_PX]
        assert not small, f"diagram text under {MIN_PX} px on {path} (scale {found['scale']:.3f}): {small}"
        assert all(h >= MIN_PX for _, _, h in found["texts"]), found["texts"]
        assert found["right"] <= found["column"] + 1, f"the diagram sticks out of the page's column: {found}"
        sideways = page.evaluate("""() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return Math.max(document.documentElement.scrollWidth - innerWidth, main.scrollWidth - main.clientWidth);
        }""")
        assert sideways <= 1, f"{path} scrolls sideways by {sideways} px"
    finally:
        context.close()


def test_one_step_diagram_draws_the_convention_shown(browser, app_url):
    context = browser.new_context(base_url=app_url, viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        open_page(page, "/one-step")
        assert "after" in diagram(page)["convention"]
        with rerun(page):
            page.get_by_text("before", exact=True).click()
        page.wait_for_function("() => location.search.includes('convention=before')")
        assert "before" in diagram(page)["convention"]
        open_page(page, "/")
        assert "before" in diagram(page)["convention"]  # Home draws its equations' form
    finally:
        context.close()
