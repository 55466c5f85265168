"""Fixtures for the browser tests: one live `streamlit run app.py` per session, Debian's Chromium via Playwright.

Every test in this folder is marked `browser` (see pytest_collection_modifyitems), so `-m "not browser"` leaves
them out. Chromium: /usr/bin/chromium, or the path in GRU_VIZ_CHROMIUM. When it is missing the tests are skipped,
except under CI (CI=true), where they fail: a CI job that silently skips its browser tests tests nothing.

Server log: test-artifacts/streamlit-server.log. Screenshots: test-artifacts/screenshots/<name>.png.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
HERE = Path(__file__).resolve().parent

CHROMIUM = os.environ.get("GRU_VIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SERVER_START_TIMEOUT_S = 60

# Streamlit's frontend first probes <page>/_stcore/health and <page>/_stcore/host-config as a possible base path
# when a page other than "/" is opened directly; the 404s it logs are Streamlit's, not the app's
# (streamlit/streamlit#7074).
KNOWN_CONSOLE_NOISE = ("Failed to load resource: the server responded with a status of 404",)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    """Fail under CI (a CI run must not pass by skipping), skip elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """A free TCP port on the loopback interface (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


@contextlib.contextmanager
def streamlit_server(script: str | Path, log_path: Path, timeout_s: float = SERVER_START_TIMEOUT_S,
                     extra_args: tuple[str, ...] = ()):
    """Run `streamlit run <script>` from the repository root on a free loopback port; yield its base URL.

    Output goes to a file, not a pipe: a pipe nobody reads fills up and blocks the server.
    extra_args: more command-line options, e.g. ("--runner.postScriptGC", "false")."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false", *extra_args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode} before it was healthy; "
                                   f"log {log_path}:\n{log_tail(log_path)}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200 and resp.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit was not healthy at {base} after {timeout_s:.0f} s; "
                                   f"log {log_path}:\n{log_tail(log_path)}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable, or skip (fail under CI) when it or Playwright is missing."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no Chromium executable at {CHROMIUM} (set GRU_VIZ_CHROMIUM to another path)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        _unavailable(f"playwright is not installed: {exc}")
    return CHROMIUM


@pytest.fixture(scope="session")
def app_url(chromium_path) -> str:
    """Base URL of a live `streamlit run app.py` (started once per session, stopped at the end)."""
    with streamlit_server("app.py", ARTIFACTS / "streamlit-server.log") as base:
        yield base


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a rerun on this 2-core machine, busy with the server too, can take seconds

    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken install: same policy as a missing one
            _unavailable(f"Chromium at {chromium_path} did not start: {exc}")
        yield browser
        browser.close()


class PageLog:
    """Console errors and uncaught page errors seen by one page."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []

    def relevant_console_errors(self) -> list[str]:
        return [m for m in self.console_errors if not any(noise in m for noise in KNOWN_CONSOLE_NOISE)]


@pytest.fixture
def page(browser, app_url):
    """A fresh context and page (1280×900); `page.log` holds its console and page errors."""
    context = browser.new_context(viewport=VIEWPORT, base_url=app_url)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    log = PageLog()
    pg.on("console", lambda msg: log.console_errors.append(f"{msg.text} @ {msg.location.get('url', '')}")
          if msg.type == "error" else None)
    pg.on("pageerror", lambda err: log.page_errors.append(str(err)))
    pg.log = log
    yield pg
    context.close()


def wait_idle(page, settle_ms: int = 250, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit's script is not running, then let the frontend settle a moment."""
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.wait_for_timeout(settle_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def watch_script_runs(page) -> None:
    """Count every switch of the script state to "running" from now on (window.__gvRuns)."""
    page.evaluate("""() => {
        window.__gvRuns = 0;
        if (window.__gvObserver) window.__gvObserver.disconnect();
        const app = document.querySelector('[data-testid="stApp"]');
        window.__gvObserver = new MutationObserver(() => {
            if (app.getAttribute('data-test-script-state') === 'running') window.__gvRuns += 1;
        });
        window.__gvObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    }""")


def script_runs(page) -> int:
    return page.evaluate("() => window.__gvRuns")


@contextlib.contextmanager
def rerun(page, timeout_ms: int = 30_000, seen_within_ms: int = 3_000):
    """Around a widget change: wait for the rerun it triggers to start and to finish.

    A quick run can go from running to notRunning within one React render, so the "running" state never reaches
    the DOM: after seen_within_ms without one this goes on, and callers check the outcome with waiting assertions
    (playwright's expect) rather than trusting that the run has been seen."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    watch_script_runs(page)
    yield
    try:
        page.wait_for_function("() => window.__gvRuns > 0", timeout=seen_within_ms)
    except PlaywrightTimeoutError:
        pass
    wait_idle(page, timeout_ms=timeout_ms)


def open_page(page, path: str, notices: bool = False) -> None:
    """Open an app URL and wait for its first run to finish.

    A link whose settings the page could not all take shows link notices; unless `notices` says they are expected,
    that fails here, so that a test never runs on defaults while believing it set something."""
    page.goto(path)
    wait_idle(page)
    if "?" in path and not notices:
        shown = page.locator(".st-key-link_notices")
        assert shown.count() == 0, f"{path}: the page could not take every setting: {shown.all_inner_texts()}"


def tab_to(page, target, what: str, presses: int = 80) -> None:
    """Press Tab until `target` (a locator) has the focus, as a keyboard-only student would; fail if it never does."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"{what} cannot be reached with the Tab key")


def screenshot(page, name: str, full: bool = True, element=None) -> Path:
    """Save test-artifacts/screenshots/<name>.png; full=True captures the whole height of the main area,
    full=False the viewport, and a locator `element` just that element.

    Streamlit scrolls an inner container, so a full-page screenshot of the window shows only the viewport:
    the viewport is made as tall as the content for the shot, then restored."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if element is not None:  # centred, so that Streamlit's fixed header does not cover its top
        element.evaluate("e => e.scrollIntoView({block: 'center'})")
        element.screenshot(path=str(path))
        return path
    size = page.viewport_size or VIEWPORT
    if full:
        height = page.evaluate("""() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return main ? main.scrollHeight : document.body.scrollHeight;
        }""")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 8000))})
        page.wait_for_timeout(400)
    try:
        page.screenshot(path=str(path))
    finally:
        if full:
            page.set_viewport_size(size)
    return path
