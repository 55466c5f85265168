"""An uncaught error shows students a generic message, never the server's paths or code; the log has the details."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, ROOT, open_page, streamlit_server

pytestmark = pytest.mark.browser

SCRIPT = '''
import streamlit as st
st.title("about to fail")
raise RuntimeError("secret detail: the database password is hunter2")
'''


def test_an_uncaught_error_is_redacted_in_the_browser_and_logged_on_the_server(browser):
    script = ROOT / ".error_details_probe.py"  # in the repository root, so .streamlit/config.toml applies
    script.write_text(SCRIPT)
    log = ARTIFACTS / "error-details-server.log"
    try:
        with streamlit_server(script, log) as base:
            context = browser.new_context()
            page = context.new_page()
            open_page(page, base)
            box = page.locator('[data-testid="stException"]')
            box.wait_for()
            shown = box.inner_text()
            context.close()
    finally:
        script.unlink()
    assert "redacted" in shown
    for leak in ("hunter2", "RuntimeError", "Traceback", str(ROOT), "/site-packages/", ".py"):
        assert leak not in shown, leak
    logged = log.read_text(errors="replace")
    assert "hunter2" in logged and "RuntimeError" in logged, "the details go to the server log"
