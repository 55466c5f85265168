"""The app in Chromium against a bare Streamlit page (one slider, one 50-point Plotly line): interaction latency
and first load, measured in the same run, interleaved, medians of several repetitions.

Run: .venv/bin/python benchmarks/bench_browser.py [--reps N] [--load-reps N] [--profile]
     [--app-option runner.postScriptGC=false]
Targets: interaction ratio ≤ 1.5; first-load ratio ≤ 1.5 per page; Gates-over-time chart spec JSON (T=200, H=16)
≤ 1 MB; the chart's own time controls: no rerun while playing or dragging, one when the cursor comes to rest.
Exits 1 when a target is missed. Server logs: test-artifacts/bench-*.log.

Interaction: from the input event (keydown / pointerdown, in the page) until the script state is back to notRunning
AND the chart shows the new figure (its heatmap image, or the line's path, changed), plus one animation frame.
First load: from navigation start (a fresh browser context, so nothing cached) until the script state is notRunning,
the title is drawn, every Plotly chart on the page has its .main-svg and every st.image has loaded.
Scrub: the Gates chart's own step slider moved from the page (as a drag moves it), until the cursor, the numbers
table and the cell diagram show the new step (the input event's handler) and until that frame is painted; then a
real mouse drag and a Play → Pause, counting script reruns.
Timings are taken in the page with performance.now(); the columns after the total split them into
input → script running → script done → chart updated, and count the websocket bytes the browser received.
"widget message→last reply handled" runs from the page sending the widget change to the last reply it handled
before the interaction was done (both stamped on the page's main thread, so a busy page stretches it too);
"after" is the rest of the total. The websocket is watched from inside the page (WS_HOOK), not through the DevTools
network log: that log copies every frame, base64-encoded, out to the driver while the interaction runs, and on two
cores that cost a new figure's 133 KB message about one frame (16 ms) that no student's browser pays.
--profile adds where the page's main thread spends its time, --app-option tries a Streamlit setting on the app's
server. The machine's load average is printed: other work inflates every number.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402  (one way to start a server and find the browser)
    ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, IDLE, VIEWPORT, streamlit_server)

INTERACTION_TARGET = 1.5
FIRST_LOAD_TARGET = 1.5
JSON_TARGET_BYTES = 1_000_000
GATES_URL = "/gates-over-time?got_T=200&got_H=16"

# Signatures of "what the chart shows": they change exactly when the new figure is drawn. The element is looked up
# once and again only when React replaced it, so polling every frame costs the page next to nothing.
GATES_SIG = """(() => {
    let c = window.__benchEl;
    if (!c || !c.isConnected) c = window.__benchEl = document.querySelector('.gv-chart');
    return c && c.__gvDraws ? c.__gvDraws + ':' + c.__gvSpec : '';
})()"""
BARE_SIG = """(() => {
    let g = window.__benchEl;
    if (!g || !g.isConnected) g = window.__benchEl = document.querySelector('.js-plotly-plot');
    const p = g && g.querySelector('.scatterlayer path.js-line');
    return p ? p.getAttribute('d') : '';
})()"""

ARM_INTERACTION = """() => {
    const sig = () => %s;
    const app = document.querySelector('[data-testid="stApp"]');
    const before = sig();
    const r = {};
    window.__bench = new Promise((resolve, reject) => {
        const onInput = () => { if (r.t0 === undefined) r.t0 = performance.now(); };
        window.addEventListener('keydown', onInput, {capture: true, once: true});
        window.addEventListener('pointerdown', onInput, {capture: true, once: true});
        const obs = new MutationObserver(() => {
            const s = app.getAttribute('data-test-script-state'), now = performance.now();
            if (s === 'running' && r.running === undefined) r.running = now;
            if (s === 'notRunning' && r.running !== undefined) r.idle = now;
        });
        obs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        const start = performance.now();
        (function poll() {
            const now = performance.now();
            if (r.t0 !== undefined && r.chart === undefined && sig() !== before) r.chart = now;
            // a quick rerun can flip running → notRunning within one React commit, unseen by the observer:
            // "done" needs the new chart and a script that is not running, not a seen "running"
            if (r.chart !== undefined && app.getAttribute('data-test-script-state') === 'notRunning') {
                if (r.idle === undefined) r.idle = now;
                requestAnimationFrame(() => { r.done = performance.now(); obs.disconnect(); resolve(r); });
                return;
            }
            if (now - start > 60000) { obs.disconnect(); reject(new Error('no redraw: ' + JSON.stringify(r))); return; }
            requestAnimationFrame(poll);
        })();
    });
}"""

FIRST_LOAD_PROBE = """(() => {
    const r = window.__firstLoad = {};
    function ready() {
        const app = document.querySelector('[data-testid="stApp"]');
        if (!app) return false;
        const s = app.getAttribute('data-test-script-state');
        if (s === 'running' && r.running === undefined) r.running = performance.now();
        if (s === 'notRunning' && r.running !== undefined && r.scriptDone === undefined) {
            r.scriptDone = performance.now();
        }
        if (s !== 'notRunning' || !document.querySelector('[data-testid="stMain"] h1')) return false;
        const charts = document.querySelectorAll('.js-plotly-plot');  // st.plotly_chart's and the gates chart's
        if (charts.length < %d) return false;
        for (const c of charts) if (!c.querySelector('.main-svg')) return false;
        const gates = document.querySelector('.gv-chart');
        if (gates && gates.dataset.step === undefined) return false;  // its table and diagram are drawn
        for (const img of document.querySelectorAll('[data-testid="stImage"] img')) if (!img.complete) return false;
        return true;
    }
    (function poll() {
        if (ready()) { r.done = performance.now(); return; }
        requestAnimationFrame(poll);
    })();
})();"""

# page, URL, how many Plotly charts its first run draws
APP_PAGES = [("home", "/", 0), ("one-step", "/one-step", 0), ("gates-over-time", GATES_URL, 1), ("train", "/train", 0)]


def figure_json_stats() -> dict:
    """Size of the Gates-over-time chart spec for T=200, H=16, and the server time to build and send it."""
    import json
    import timeit

    from streamlit.util import calc_hash

    from gru_viz import presets, run_gru, sequences
    from gru_viz.gates_chart import gates_chart

    def best_ms(fn, number: int = 3) -> float:
        return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e3

    x, names = sequences.preset_sequence("sine", 200)
    weights = presets.preset_weights("random", x.shape[1], 16, 0)
    trace = run_gru(weights, x)
    from pages._chart import spec_text

    spec = gates_chart(trace, units=(0, 1, 2, 3), input_names=names)
    data = {"spec": spec_text(spec).text, "spec_id": spec["id"], "step": 0, "alt": ""}  # as pages/_chart.py sends it
    return {
        "run_gru_ms": best_ms(lambda: run_gru(weights, x)),
        "gates_animation_ms": best_ms(lambda: gates_chart(trace, units=(0, 1, 2, 3), input_names=names)),
        # what the component does with its data on every rerun, cached or not (components/v2/bidi_component):
        # json.dumps for the message, and again sorted and hashed for the element's identity (the spec is JSON
        # text written once per spec, so this is one long string each time)
        "st_serialize_ms": best_ms(lambda: (json.dumps(data), calc_hash(json.dumps(data, sort_keys=True)))),
        "json_bytes": len(json.dumps(spec).encode()),
        "frames_bytes": len(json.dumps(spec["arrays"])),
        "images_bytes": len(json.dumps(spec["diagram"])),
        "data_bytes": len(json.dumps(spec["figure"])),
    }


# Installed before the page's own scripts: every websocket the page opens records what it sends and receives
# ("sent"/"recv", performance.now(), bytes), at the moment the page's main thread dispatches it.
WS_HOOK = """(() => {
    const Native = window.WebSocket;
    const size = (d) => d.byteLength ?? d.size ?? d.length ?? 0;
    window.__ws = [];
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('message', (e) => window.__ws.push(['recv', performance.now(), size(e.data)]));
        }
        send(data) {
            window.__ws.push(['sent', performance.now(), size(data)]);
            return super.send(data);
        }
    };
})();"""


def received_bytes(frames) -> int:
    return sum(f[2] for f in frames if f[0] == "recv")


def request_to_last_message_ms(frames, until: float) -> float:
    """From the first message the page sent (the widget change) to the last one it received by `until`."""
    sent = [f[1] for f in frames if f[0] == "sent"]
    recv = [f[1] for f in frames if f[0] == "recv" and f[1] <= until]
    return max(recv) - sent[0] if sent and recv else float("nan")


def wait_ready(page) -> None:
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)


def interact(page, sig: str, action) -> dict:
    page.evaluate("window.__ws.length = 0")
    page.evaluate(ARM_INTERACTION % sig)
    action()
    r = page.evaluate("window.__bench")
    page.wait_for_timeout(150)  # let trailing messages (the query-string update) arrive, for the byte count
    frames = page.evaluate("window.__ws")
    nan = float("nan")
    running = r.get("running", nan)
    total = r["done"] - r["t0"]
    server = request_to_last_message_ms(frames, r["done"])
    return {"total": total, "to_running": running - r["t0"], "script": r["idle"] - running,
            "chart_after_input": r["chart"] - r["t0"], "server": server, "browser": total - server,
            "ws_bytes": received_bytes(frames)}


def first_load(browser, url: str, min_charts: int) -> dict:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(WS_HOOK)
        context.add_init_script(FIRST_LOAD_PROBE % min_charts)
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("() => window.__firstLoad && window.__firstLoad.done !== undefined", timeout=60_000)
        r = page.evaluate("window.__firstLoad")
        nav = page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
        nan = float("nan")
        return {"total": r["done"], "dom_ready": nav, "to_running": r.get("running", nan),
                "script_done": r.get("scriptDone", nan), "after_script": r["done"] - r.get("scriptDone", nan),
                "ws_bytes": received_bytes(page.evaluate("window.__ws"))}
    finally:
        context.close()


SCRUB = """async (n) => {
    // n scrubber moves as a drag makes them: from the input event until the frame that shows the new step, and the
    // event handler alone (the cursor, the table and the diagram are all written inside it)
    const chart = document.querySelector('.gv-gates');
    const scrub = chart.querySelector('.gv-step');
    const handler = [], painted = [];
    for (let i = 0; i < n; i++) {
        const t = String((Number(scrub.value) + 37) % (Number(scrub.max) + 1));
        const t0 = performance.now();
        scrub.value = t;
        scrub.dispatchEvent(new Event('input', {bubbles: true}));
        handler.push(performance.now() - t0);
        if (chart.querySelector('.gv-heading').textContent.indexOf('step t = ' + t) < 0) throw new Error('not shown');
        await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));  // the frame that paints it
        painted.push(performance.now() - t0);
        await new Promise(r => setTimeout(r, 30));
    }
    const med = a => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
    return {handler: med(handler), painted: med(painted)};
}"""


def scrub_and_reruns(page) -> dict:
    """The chart's own time controls on the open Gates page: how fast a scrub shows its step (table, diagram,
    cursor), and how many reruns a drag and a Play cost (Python hears the step only when the cursor rests)."""
    from tests.browser.conftest import script_runs, wait_idle, watch_script_runs

    page.bring_to_front()
    out = page.evaluate(SCRUB, 25)
    wait_idle(page, settle_ms=600)
    scrub = page.locator(".gv-gates .gv-step")
    scrub.scroll_into_view_if_needed()
    box = scrub.bounding_box()
    y = box["y"] + box["height"] / 2
    watch_script_runs(page)
    page.mouse.move(box["x"] + 0.1 * box["width"], y)
    page.mouse.down()
    for k in range(2, 10):  # a one-second drag
        page.mouse.move(box["x"] + 0.1 * k * box["width"], y)
        page.wait_for_timeout(120)
    page.mouse.up()
    wait_idle(page, settle_ms=800)
    out["reruns_per_drag"] = script_runs(page)
    play = page.locator(".gv-gates .gv-play")
    watch_script_runs(page)
    page.locator(".gv-gates .gv-step").focus()
    page.keyboard.press("Home")
    wait_idle(page, settle_ms=800)
    watch_script_runs(page)
    play.click()
    page.wait_for_timeout(1500)
    out["reruns_while_playing"] = script_runs(page)
    play.click()
    wait_idle(page, settle_ms=800)
    out["reruns_per_play_pause"] = script_runs(page)
    return out


def med(rows: list[dict], key: str) -> float:
    """Median over the repetitions that have this value (a running state can go unseen on a quick rerun)."""
    values = [r[key] for r in rows if r[key] == r[key]]
    return statistics.median(values) if values else float("nan")


def js_self_time(cdp, run) -> dict[str, float]:
    """Milliseconds of main-thread JavaScript self time per script file while run() runs (DevTools CPU profile)."""
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    cdp.send("Profiler.start")
    run()
    profile = cdp.send("Profiler.stop")["profile"]
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    totals: dict[str, float] = {}
    for sample, dt in zip(profile["samples"], profile["timeDeltas"][1:] + [0]):
        frame = nodes[sample]
        name = frame["url"].rsplit("/", 1)[-1].split("?")[0] or frame["functionName"] or "(anonymous)"
        totals[name] = totals.get(name, 0.0) + dt / 1e3
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def print_profiles(browser, app: str, bare: str) -> None:
    """Where the browser's main thread spends a first load and an interaction, app against bare page."""
    print("\nJS main-thread self time by script, ms (DevTools CPU profile; '(idle)' is waiting):\n")
    for name, url, n, sig, target in [("bare", bare + "/", 1, BARE_SIG, '[data-testid="stSlider"] input'),
                                      ("gates-over-time", app + GATES_URL, 1, GATES_SIG,
                                       '[data-testid="stSlider"]:has-text("hidden size H") input')]:
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(WS_HOOK)
        context.add_init_script(FIRST_LOAD_PROBE % n)
        page = context.new_page()
        cdp = context.new_cdp_session(page)

        def load():
            page.goto(url)
            page.wait_for_function("() => window.__firstLoad && window.__firstLoad.done !== undefined",
                                   timeout=60_000)

        top = js_self_time(cdp, load)
        print(f"- {name}, first load: " + ", ".join(f"{k} {v:.0f}" for k, v in list(top.items())[:8]))
        wait_ready(page)
        box = page.locator(target)

        def four_changes():
            for key in ("ArrowLeft", "ArrowRight", "ArrowLeft", "ArrowRight"):
                interact(page, sig, lambda key=key: (box.focus(), page.keyboard.press(key)))

        four_changes()  # both values cached
        top = js_self_time(cdp, four_changes)
        print(f"- {name}, 4 slider changes: " + ", ".join(f"{k} {v:.0f}" for k, v in list(top.items())[:8]))
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # an interaction's total falls into whole display frames (16.7 ms apart) and the bare page's own spread is
    # ±20 ms: 21 repetitions make a median less sensitive to a few unlucky frames (a first load spreads far less)
    parser.add_argument("--reps", type=int, default=21, help="repetitions of each interaction (default 21)")
    parser.add_argument("--load-reps", type=int, default=11, help="repetitions of each first load (default 11)")
    parser.add_argument("--app-option", action="append", default=[], metavar="NAME=VALUE",
                        help="a Streamlit config option for the app's server only, to try a setting out "
                             "(e.g. runner.postScriptGC=false); repeatable")
    parser.add_argument("--profile", action="store_true",
                        help="also print where the browser's main thread spends its time (DevTools CPU profile)")
    args = parser.parse_args()
    if not os.path.isfile(CHROMIUM):
        print(f"no Chromium at {CHROMIUM} (set GRU_VIZ_CHROMIUM)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    stats = figure_json_stats()
    load_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        app_args = tuple(a for opt in args.app_option for a in ("--" + opt.split("=", 1)[0], opt.split("=", 1)[1]))
        app = stack.enter_context(streamlit_server("app.py", ARTIFACTS / "bench-app.log", extra_args=app_args))
        bare = stack.enter_context(streamlit_server("benchmarks/bare_app.py", ARTIFACTS / "bench-bare.log"))
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)

        # warm up both servers (imports, caches) and the browser
        for url, n in [(bare + "/", 1)] + [(app + path, n) for _, path, n in APP_PAGES]:
            first_load(browser, url, n)

        # the interaction pages stay open across repetitions; the seed changes get a session of their own, so
        # that the hidden-size toggles keep finding both of their figures in the app's cache
        contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(3)]
        for context in contexts:
            stack.callback(context.close)
            context.add_init_script(WS_HOOK)
        gates, seeds, bare_page = (context.new_page() for context in contexts)
        gates.goto(app + GATES_URL)
        seeds.goto(app + GATES_URL)
        bare_page.goto(bare + "/")
        for page in (gates, seeds, bare_page):
            wait_ready(page)
        h_input = gates.locator('[data-testid="stSlider"]').filter(has_text="hidden size H").locator("input")
        seed_up = seeds.locator('[data-testid="stNumberInput"]').filter(has_text="weight seed").locator(
            '[data-testid="stNumberInputStepUp"]')
        bare_input = bare_page.locator('[data-testid="stSlider"] input[type="range"]')

        def press(page, locator, key):
            def act():
                page.bring_to_front()
                locator.focus()
                page.keyboard.press(key)
            return act

        def click(page, locator):
            def act():
                page.bring_to_front()
                locator.click()
            return act

        # one untimed round trip each way, so that H=15 and H=16 are both in the app's caches from here on
        for page, sig, act in [(gates, GATES_SIG, press(gates, h_input, "ArrowLeft")),
                               (gates, GATES_SIG, press(gates, h_input, "ArrowRight")),
                               (bare_page, BARE_SIG, press(bare_page, bare_input, "ArrowRight")),
                               (bare_page, BARE_SIG, press(bare_page, bare_input, "ArrowLeft"))]:
            interact(page, sig, act)

        results: dict[str, list[dict]] = {k: [] for k in ("bare", "gates_H", "gates_seed")}
        loads: dict[str, list[dict]] = {k: [] for k in ["bare"] + [p[0] for p in APP_PAGES]}
        # interactions first, interleaved, then the first loads: a first load opens and closes a browser context,
        # whose processes starting and ending slowed the next interactions by 15-30 ms (either page's)
        for rep in range(args.reps):
            there, back = ("ArrowLeft", "ArrowRight") if rep % 2 == 0 else ("ArrowRight", "ArrowLeft")
            for name, page, sig, act in [
                ("bare", bare_page, BARE_SIG, press(bare_page, bare_input, back)),
                ("gates_H", gates, GATES_SIG, press(gates, h_input, there)),
                ("gates_seed", seeds, GATES_SIG, click(seeds, seed_up)),
            ]:
                results[name].append(interact(page, sig, act))
                time.sleep(0.2)
        print("  interactions done", file=sys.stderr, flush=True)
        for rep in range(args.load_reps):
            for name, url, n in [("bare", bare + "/", 1)] + [(p[0], app + p[1], p[2]) for p in APP_PAGES]:
                loads[name].append(first_load(browser, url, n))
            print(f"  first loads {rep + 1}/{args.load_reps} done", file=sys.stderr, flush=True)
        scrubs = [scrub_and_reruns(gates) for _ in range(3)]
        if args.profile:
            print_profiles(browser, app, bare)

    failed = []
    print(f"\nChromium {CHROMIUM}, {os.cpu_count()} CPUs (1-min load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after: other work on the machine inflates every number), "
          f"medians in milliseconds of {args.reps} repetitions per interaction, {args.load_reps} per first load\n")
    print("| interaction | total | ratio to bare | input→script running | script running→done "
          "| input→chart updated | widget message→last reply handled | after | websocket bytes in |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = med(results["bare"], "total")
    labels = {"bare": "bare page: slider → 50-point line",
              "gates_H": "Gates over time T=200: hidden size 16↔15 (figures cached)",
              "gates_seed": "Gates over time T=200, H=16: weight seed +1 (new figure)"}
    spread = "; ".join(f"{name} " + " ".join(f"{r['total']:.0f}" for r in rows) for name, rows in results.items())
    for name, rows in results.items():
        ratio = med(rows, "total") / base
        ok = name == "bare" or ratio <= INTERACTION_TARGET
        failed += [] if ok else [f"interaction {name}: ratio {ratio:.2f} > {INTERACTION_TARGET}"]
        print(f"| {labels[name]} | {med(rows, 'total'):.0f} | {ratio:.2f}{'' if ok else ' ✗'} | "
              f"{med(rows, 'to_running'):.0f} | {med(rows, 'script'):.0f} | {med(rows, 'chart_after_input'):.0f} | "
              f"{med(rows, 'server'):.0f} | {med(rows, 'browser'):.0f} | {med(rows, 'ws_bytes'):,.0f} |")

    print(f"\nEach repetition's total, ms: {spread}")
    print("\n| first load (fresh context) | total | ratio to bare | DOMContentLoaded | script starts | script done "
          "| script done→ready (browser) | websocket bytes in |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    base = med(loads["bare"], "total")
    for name, rows in loads.items():
        ratio = med(rows, "total") / base
        ok = name == "bare" or ratio <= FIRST_LOAD_TARGET
        failed += [] if ok else [f"first load {name}: ratio {ratio:.2f} > {FIRST_LOAD_TARGET}"]
        print(f"| {name} | {med(rows, 'total'):.0f} | {ratio:.2f}{'' if ok else ' ✗'} | "
              f"{med(rows, 'dom_ready'):.0f} | {med(rows, 'to_running'):.0f} | {med(rows, 'script_done'):.0f} | "
              f"{med(rows, 'after_script'):.0f} | {med(rows, 'ws_bytes'):,.0f} |")

    print("\n| Gates over time T=200, H=16: the chart's own step | median of 3 × 25 moves, ms |")
    print("|---|---:|")
    print(f"| scrub → cursor, table and diagram written (the input event's handler) | "
          f"{statistics.median(r['handler'] for r in scrubs):.1f} |")
    print(f"| scrub → that frame painted | {statistics.median(r['painted'] for r in scrubs):.1f} |")
    print(f"\nReruns: {max(r['reruns_while_playing'] for r in scrubs)} while playing, "
          f"{max(r['reruns_per_play_pause'] for r in scrubs)} per Play and Pause, "
          f"{max(r['reruns_per_drag'] for r in scrubs)} per one-second drag of the chart's step (most seen in 3 tries)")
    if max(r["reruns_while_playing"] for r in scrubs) > 0 or max(r["reruns_per_drag"] for r in scrubs) > 1:
        failed.append("the chart's time controls rerun the script more than once per rest")

    ok = stats["json_bytes"] <= JSON_TARGET_BYTES
    failed += [] if ok else [f"figure JSON {stats['json_bytes']:,} bytes > {JSON_TARGET_BYTES:,}"]
    print(f"\nGates-over-time chart spec (T=200, H=16): {stats['json_bytes']:,} bytes of JSON{'' if ok else ' ✗'} "
          f"(numbers {stats['frames_bytes']:,}, cell diagram {stats['images_bytes']:,}, figure {stats['data_bytes']:,})"
          f"; built in {stats['run_gru_ms']:.1f} ms run_gru + {stats['gates_animation_ms']:.1f} ms gates_chart; "
          f"the component serializes and hashes it on every rerun, cached or not: {stats['st_serialize_ms']:.1f} ms")
    if failed:
        print("\nMISSED: " + "; ".join(failed))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
