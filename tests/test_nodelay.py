"""Streamlit's websockets send small messages at once (pages/_nodelay.py): TCP_NODELAY on every connection.

Streamlit 1.67 listens on a socket whose proto is 0, and asyncio's transports then skip TCP_NODELAY: a rerun's second
message waited for the client's delayed ACK (One step: 44 ms a rerun with it, 23 ms without it, measured with the
load test's client). Each case runs in a fresh interpreter: the fix is once per process."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SERVE = textwrap.dedent("""
    import asyncio, socket, sys
    sys.path.insert(0, {root!r})
    from streamlit.web.server.starlette.starlette_server import _bind_socket  # how Streamlit listens

    def nodelay(writer):
        return writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

    async def main():
        accepted = []
        async def serve(reader, writer):
            accepted.append(writer)
        listener = _bind_socket("127.0.0.1", 0, 8)
        server = await asyncio.start_server(serve, sock=listener)
        port = listener.getsockname()[1]
        async def connect():
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            while len(accepted) < n + 1:
                await asyncio.sleep(0.01)
            return writer
        n = 0
        before = await connect()
        {between}
        n = 1
        after = await connect()
        print(nodelay(accepted[0]), nodelay(accepted[1]))
        server.close()

    asyncio.run(main())
""")


def run(between: str) -> list[int]:
    code = SERVE.format(root=str(ROOT), between=between)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return [int(v) for v in out.stdout.split()]


def test_streamlits_own_listener_leaves_nagle_on():
    """The bug this works around: without the fix neither connection has TCP_NODELAY (if a Streamlit upgrade fixes
    it, this fails and pages/_nodelay.py can go)."""
    assert run("pass") == [0, 0]


def test_send_at_once_turns_it_off_for_open_and_new_connections():
    assert run("from pages._nodelay import send_at_once; assert send_at_once() >= 1; assert send_at_once() == 0"
               ) == [1, 1]


def test_the_app_turns_it_off_before_any_page_runs():
    source = (ROOT / "app.py").read_text()
    assert source.index("send_at_once()") < source.index("navigation().run()")
