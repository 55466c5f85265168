"""Hand-made websocket messages against a live server: One step's weight editor accepts edits of existing cells only.

A browser never sends these: Streamlit's table offers no "add row" on a fixed table. A student with a websocket client
can: `added_rows` is applied even to a fixed table (5,000 rows took 20 s of the server), and an edit of a row or column
that does not exist raised IndexError or KeyError, traceback included. The client is the load test's, which speaks
this Streamlit version's protocol (benchmarks/load_test.py).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from load_test import Alert, Recorder, StreamlitClient, WidgetState, cpu_seconds  # noqa: E402

from tests.browser.conftest import ARTIFACTS, streamlit_server  # noqa: E402

pytestmark = pytest.mark.slow


def run(coroutine_function):
    """asyncio.run in a thread of its own: Playwright's sync API (the browser tests) keeps a loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_function())).result()


@pytest.fixture(scope="module")
def server():
    with streamlit_server("app.py", ARTIFACTS / "websocket-attacks-server.log") as base:
        yield base


def editor_id(client: StreamlitClient, gate: str = "r") -> str:
    ids = [e.dataframe.id for kind, e in client.elements
           if kind == "dataframe" and f"osx_edit_{gate}_" in e.dataframe.id]
    assert ids, "One step draws a weight table per gate"
    return ids[0]


def latex(client: StreamlitClient) -> list[str]:
    return [e.markdown.body for kind, e in client.elements if kind == "markdown" and e.markdown.body.startswith("$$")]


async def edit(client: StreamlitClient, state: dict) -> tuple[float, float]:
    """Send an editing state for the reset gate's table; (seconds until the run ended, server CPU seconds)."""
    wid = editor_id(client)
    pid = client.server_pid
    cpu = cpu_seconds(pid)
    seconds = await client._rerun("edit", changes={wid: WidgetState(id=wid, string_value=json.dumps(state))})
    return seconds, cpu_seconds(pid) - cpu


async def one_step(base: str, pid: int) -> tuple[StreamlitClient, Recorder]:
    rec = Recorder()
    client = StreamlitClient(base, "attacker", rec, "attack", static=False, timeout=120)
    client.server_pid = pid
    await client.open("one-step")
    return client, rec


def server_pid(base: str) -> int:
    from load_test import pids_listening

    return pids_listening(int(base.rsplit(":", 1)[1]))[0]


ATTACKS = {
    "5,000 added rows": {"edited_rows": {}, "added_rows": [{"unit 0": 1.0, "unit 1": 2.0}] * 5000, "deleted_rows": []},
    "deleted rows": {"edited_rows": {}, "added_rows": [], "deleted_rows": [0, 1]},
    "a row that does not exist": {"edited_rows": {"999999": {"unit 0": 1.0}}, "added_rows": [], "deleted_rows": []},
    "a column that does not exist": {"edited_rows": {"0": {"unit 99": 1.0}}, "added_rows": [], "deleted_rows": []},
    "the index": {"edited_rows": {"0": {"_index": "evil"}}, "added_rows": [], "deleted_rows": []},
    "text in a number cell": {"edited_rows": {"0": {"unit 0": "[x](https://example.invalid)"}}, "added_rows": [],
                              "deleted_rows": []},
    "a megabyte of edits": {"edited_rows": {str(i): {"unit 0": 1.0} for i in range(40_000)}, "added_rows": [],
                            "deleted_rows": []},
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_anything_but_cell_edits_is_refused_cheaply(server, name):
    async def go():
        client, rec = await one_step(server, server_pid(server))
        try:
            before = latex(client)
            seconds, cpu = await edit(client, ATTACKS[name])
            warnings = client.alerts(Alert.WARNING)
            return before, latex(client), cpu, warnings, rec.errors
        finally:
            await client.close()

    before, after, cpu, warnings, errors = run(go)
    assert not errors, errors  # no exception, no st.error
    assert any("only the numbers already in it can be edited" in w for w in warnings), warnings
    assert after == before, "the refused state changed no weight"
    assert cpu < 2.0, f"the server spent {cpu:.1f} s of CPU on it"  # 5,000 rows took 20 s before


def test_an_edit_of_an_existing_cell_still_works(server):
    async def go():
        client, rec = await one_step(server, server_pid(server))
        try:
            before = latex(client)
            await edit(client, {"edited_rows": {"0": {"unit 0": 2.5}}, "added_rows": [], "deleted_rows": []})
            return before, latex(client), client.alerts(Alert.WARNING), rec.errors
        finally:
            await client.close()

    before, after, warnings, errors = run(go)
    assert not errors and not any("refused" in w for w in warnings)
    assert after != before, "U_r[0, 0] = 2.5 changes the reset gate's equation"


def test_a_flood_of_uploads_keeps_two_files_per_session(server):
    """Streamlit keeps every file a session PUTs until the session ends; the app keeps the newest two."""
    from load_test import BackMsg, http_put_file, rss_kib

    async def go():
        rec = Recorder()
        client = StreamlitClient(server, "flood", rec, "attack", static=False, timeout=120)
        await client.open("train")
        pid = server_pid(server)
        await asyncio.sleep(1)
        before = rss_kib(pid)
        data = bytes(range(256)) * (7 * 1024)  # 1.75 MiB, under the 2 MB cap
        try:
            for i in range(40):
                msg = BackMsg()
                msg.file_urls_request.request_id = f"flood-{i}"
                msg.file_urls_request.file_names.append("model.npz")
                msg.file_urls_request.session_id = client.session_id
                await client.ws.send(msg.SerializeToString())
                while f"flood-{i}" not in client.file_urls:
                    await asyncio.sleep(0.01)
                urls = client.file_urls.pop(f"flood-{i}")[0]
                assert await http_put_file(client.host, client.port, urls.upload_url, client.cookies, "model.npz",
                                           data) in (200, 204)
            await asyncio.sleep(1)
            return (rss_kib(pid) - before) / 1024
        finally:
            await client.close()

    grown_mib = run(go)
    assert grown_mib < 25, f"the server grew by {grown_mib:.0f} MiB for 70 MiB of uploads"
