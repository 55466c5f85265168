"""Small messages leave at once: Nagle's algorithm off on the server's TCP connections (see send_at_once)."""

import asyncio.base_events
import os
import socket
import stat
import threading

_LOCK = threading.Lock()
_done = False


def _set_nodelay(sock) -> bool:
    """asyncio's own, without its `proto == IPPROTO_TCP` test: a socket made with socket.socket(family) has proto 0.
    True when the socket is TCP (and now sends at once)."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return True
    return False


def _open_socket_fds() -> list[int]:
    """This process's open file descriptors that are sockets (Linux and macOS list them; elsewhere none)."""
    folder = next((f for f in ("/proc/self/fd", "/dev/fd") if os.path.isdir(f)), None)
    fds = [int(name) for name in os.listdir(folder) if name.isdigit()] if folder else []
    found = []
    for fd in fds:
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                found.append(fd)
        except OSError:  # closed meanwhile, or the listing's own descriptor
            continue
    return found


def send_at_once() -> int:
    """Turn Nagle's algorithm off for this process's TCP sockets, new and open; returns how many open ones.

    Streamlit 1.67 listens on socket.socket(family=...), whose proto is 0, so asyncio's transports skip TCP_NODELAY
    for every websocket it accepts (Tornado, before Streamlit moved to Starlette, set it). A rerun's later messages
    then wait for the client's delayed ACK: ~40 ms in every rerun on Linux, up to 200 ms with Windows' default.
    Once per process: future connections through asyncio, open ones (the listener too: on Linux accepted sockets
    inherit the option) through a duplicate of their descriptor."""
    global _done
    with _LOCK:
        if _done:
            return 0
        _done = True
        asyncio.base_events._set_nodelay = _set_nodelay
        fixed = 0
        for fd in _open_socket_fds():
            try:
                with socket.socket(fileno=os.dup(fd)) as sock:  # family and type read from the descriptor
                    fixed += _set_nodelay(sock)
            except OSError:
                continue
        return fixed
