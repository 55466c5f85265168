"""deploy/serve.sh: two replicas behind nginx on loopback, with sticky sessions and websockets through the proxy.

Needs Debian's nginx (`sudo apt-get install nginx`; .ci/run installs it): skipped without it locally, and a failure
under CI (CI=true), where a deploy test that skips tests nothing. Everything listens on 127.0.0.1 on free ports;
serve.sh is stopped (and stops its replicas) at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVE = ROOT / "deploy" / "serve.sh"
START_TIMEOUT_S = 60
COOKIE = "gru_viz_route"

if shutil.which("nginx") is None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("nginx is not installed, and under CI this test must run: .ci/run installs it", pytrace=False)
    pytest.skip("nginx is not installed (Debian: sudo apt-get install nginx)", allow_module_level=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never an HTTP proxy


def get(url: str, cookie: str | None = None, method: str = "GET", data: bytes | None = None):
    """(status, headers) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, method=method, data=data)
    if cookie:
        request.add_header("Cookie", f"{COOKIE}={cookie}")
    try:
        with OPENER.open(request, timeout=10) as r:
            r.read()
            return r.status, r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.headers


@pytest.fixture(scope="module")
def proxy():
    """deploy/serve.sh with 2 replicas on free loopback ports; yields (proxy URL, backend ports)."""
    port, backends = free_port(), [free_port(), free_port()]
    proc = subprocess.Popen(["bash", str(SERVE), "--port", str(port), "--backend-ports", ",".join(map(str, backends))],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env={**os.environ, "PYTHON": sys.executable}, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def read():  # a thread, so that a silent serve.sh cannot block the test past its deadline
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("gru_viz is served at"):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(START_TIMEOUT_S):
            pytest.fail(f"serve.sh did not come up within {START_TIMEOUT_S} s:\n{''.join(lines)}")
        yield f"http://127.0.0.1:{port}", backends
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # serve.sh stops nginx and the replicas, then removes its run dir
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        reader.join(timeout=5)
        proc.stdout.close()
        for backend in backends:  # nothing may be left listening
            with socket.socket() as s:
                assert s.connect_ex(("127.0.0.1", backend)) != 0, f"a replica still listens on {backend}"


def test_health_answers_through_the_proxy_and_sets_the_sticky_cookie(proxy):
    url, backends = proxy
    status, headers = get(f"{url}/_stcore/health")
    assert status == 200
    assert headers["X-Upstream"] in {f"127.0.0.1:{p}" for p in backends}
    cookies = headers.get_all("Set-Cookie")
    assert any(c.startswith(f"{COOKIE}=") and "HttpOnly" in c for c in cookies), cookies
    status, headers = get(f"{url}/_stcore/health", cookie=secrets.token_hex(16))
    assert status == 200
    assert not any(c.startswith(f"{COOKIE}=") for c in headers.get_all("Set-Cookie") or []), "set only once"


def test_the_same_sticky_cookie_always_reaches_the_same_replica(proxy):
    url, backends = proxy
    seen = set()
    for _ in range(12):
        cookie = secrets.token_hex(16)
        upstreams = {get(f"{url}{path}", cookie)[1]["X-Upstream"] for path in ("/", "/_stcore/health",
                                                                              "/_stcore/host-config", "/one-step")}
        assert len(upstreams) == 1, f"cookie {cookie} went to {upstreams}"
        seen |= upstreams
    # 12 random cookies all on one of two replicas: chance 2**-11, i.e. the hash is not spreading sessions
    assert seen == {f"127.0.0.1:{p}" for p in backends}


def test_the_first_answer_comes_from_the_replica_its_cookie_names(proxy):
    url, _ = proxy
    status, headers = get(f"{url}/")
    assert status == 200
    cookie = next(c for c in headers.get_all("Set-Cookie") if c.startswith(f"{COOKIE}="))
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert {get(f"{url}/_stcore/health", value)[1]["X-Upstream"] for _ in range(4)} == {headers["X-Upstream"]}


def test_a_websocket_session_through_the_proxy_gets_new_session_on_its_replica(proxy):
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    url, _ = proxy
    cookie = secrets.token_hex(16)
    replica = get(f"{url}/_stcore/health", cookie)[1]["X-Upstream"]
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    with connect(ws_url, subprotocols=["streamlit"], origin=url, proxy=None, open_timeout=10,
                 additional_headers={"Cookie": f"{COOKIE}={cookie}"}) as ws:
        assert ws.response.headers["X-Upstream"] == replica, "the websocket must land where its page's requests did"
        msg = BackMsg()
        msg.rerun_script.page_name = ""  # the page at "/"
        ws.send(msg.SerializeToString())
        deadline = time.monotonic() + 30
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.WhichOneof("type") == "new_session":
                assert reply.new_session.initialize.session_id
                break


def test_uploads_larger_than_the_app_cap_stop_at_the_proxy(proxy):
    url, _ = proxy
    status, headers = get(f"{url}/_stcore/upload_file/session/file", method="PUT", data=b"x" * (3 * 2**20))
    assert status == 413
    assert "X-Upstream" not in headers, "nginx refuses it without bothering a replica"


def test_the_longest_link_the_app_writes_reopens_through_the_proxy(proxy):
    """nginx reads a request line into an 8 KB buffer: every link within urlstate.LINK_MAX_CHARS must pass."""
    from urllib.parse import urlencode

    from gru_viz.urlstate import LINK_MAX_CHARS

    url, _ = proxy
    query = urlencode({"seq": "custom", "custom": ("-0.5, " * 2000)})[:LINK_MAX_CHARS].rsplit("%", 1)[0]
    assert len(query) > LINK_MAX_CHARS - 10
    status, headers = get(f"{url}/gates-over-time?{query}")
    assert status == 200 and "X-Upstream" in headers
