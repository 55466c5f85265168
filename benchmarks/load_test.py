"""Thirty students at once: Streamlit websocket clients that use the app as a browser tab would, against one idle
session measured in the same run. Run by hand; not part of the test suite.

    .venv/bin/python benchmarks/load_test.py                          # 30 sessions, 10 of them hostile, 3 minutes
    .venv/bin/python benchmarks/load_test.py --duration 30 --sessions 8 --hostile 2 --settle 0   # a smoke run
    .venv/bin/python benchmarks/load_test.py --target nginx --replicas 2                  # behind deploy/serve.sh
    .venv/bin/python benchmarks/load_test.py --url http://127.0.0.1:8501                 # a server already running

Why not browsers: thirty Chromium pages would need far more CPU than the 2-core server they test. Each client here
speaks the browser's protocol instead (read from streamlit/web/server/starlette/starlette_websocket.py,
runtime/app_session.py and the frontend bundle of this Streamlit version):

* HTTP first, like a page load: GET the page (index.html) and, unless --no-static, the scripts and stylesheet it
  names, later the Plotly and DataFrame chunks when such an element first arrives; GET /_stcore/health (which sets
  the _streamlit_xsrf cookie) and /_stcore/host-config. Cookies are kept per client, so a sticky cookie set by a
  proxy is sent back like a browser would.
* A websocket to /_stcore/stream with the subprotocols ["streamlit", <xsrf cookie>] (Streamlit reads the 2nd entry
  as the XSRF token, a 3rd as a session id to resume), Origin = the page's origin, per-message deflate on.
* BackMsg.rerun_script(ClientState) to run a page: the first one names the page by its URL path (page_name), later
  page changes by page_script_hash from the Navigation message; query_string is the one the app last wrote
  (page_info_changed); widget_states carries every widget the page drew with its current value (value if set_value,
  else default, as the frontend does), plus the changed one, or a trigger_value for a button; a widget drawn inside
  a fragment is rerun with that fragment_id; form widgets wait for the form's submit button.
* ForwardMsg from the server: new_session (run identity, app pages), navigation, delta (elements: widgets are
  tracked; exceptions and st.error boxes count as errors, except the quiz's "Not quite."), page_info_changed, auto_rerun / stop_auto_rerun (a
  fragment with run_every: the client then sends a rerun with that fragment_id and is_auto_rerun at that interval,
  like the frontend's timer), script_finished.

Interaction latency = from sending a rerun_script to its script_finished (FINISHED_SUCCESSFULLY, or
FINISHED_FRAGMENT_RUN_SUCCESSFULLY for a fragment). "Play" on Gates over time runs in the browser and sends nothing
to the server while it plays: a client pressing Play idles for the animation's length, then, as the chart element
(pages/_chart.py) does when its cursor comes to rest after a Play or a drag, reruns the explorer fragment once with
the chart's state (json_value {"step": k} on the element's own id, "$$ID-…-gotx_chart"). Now and then a student
clicks a heatmap cell: the trigger {"event": "open", "value": {"step": t, "unit": k}} (a json_trigger_value list on
"$$STREAMLIT_INTERNAL_KEY_<element id>__events"), which opens that step in One step (st.switch_page: a full run).

Phases: a warm-up session (first imports, first figures; not measured; behind nginx one per replica), one idle
session doing the student scenario alone, the load, then the idle session again, then (--settle) a wait for the
closed sessions to expire and a last memory sample. The load: N sessions arriving over --ramp seconds. --hostile of
them (h00...) attack again and again: upload a hostile file through the Train page's uploader (the files of issue 10:
a 60 KB bool GRU with H = 3000, a zip bomb, NaN, garbage metadata with a Markdown file name, ...; and a valid
H = 64 model the app must show), submit the Train form at large settings (a new submit replaces the page's job), open
a hostile link. --training-jobs more (t00...) train on the Train page with T=20, H=8, 100 steps and wait for the
result. The others (s00...) walk all pages and move sliders anywhere in their ranges with fresh weight seeds, so their
settings are mostly uncached. Targets: the others see no error and their p95 stays within 3x the idle session's; the
Streamlit process after --settle is within 1.2x of its size after warm-up, with no training process left. Server
memory: RSS of the server process(es) and all their children, from /proc, sampled every second; server CPU from /proc
too, and how busy the whole machine was (other users skew every number here: compare runs only with similar "rest of
the machine" figures). Prints markdown tables; exit code 1 on any error or a missed target. Logs of the servers it
starts: test-artifacts/load-*.log.

Loopback only: servers are started on 127.0.0.1, no proxy is used, every wait is bounded (--timeout per rerun,
240 s per training, the run as a whole) and every loop ends at --duration.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import glob
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import streamlit  # its protobuf classes are the protocol
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

STATIC_JS = Path(streamlit.__file__).parent / "static" / "static" / "js"
LAZY_CHUNKS = {"plotly_chart": "PlotlyChart.", "dataframe": "DataFrame.", "arrow_data_frame": "DataFrame."}
FULL, FRAGMENT = ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
EARLY, COMPILE_ERROR = ForwardMsg.FINISHED_EARLY_FOR_RERUN, ForwardMsg.FINISHED_WITH_COMPILE_ERROR
WIDGET_TYPES = {"slider", "selectbox", "radio", "multiselect", "button_group", "number_input", "text_input",
                "text_area", "checkbox", "button", "download_button", "file_uploader",
                "bidi_component"}  # a custom component's state: nothing until its JavaScript sets a value
# st.error boxes that are the lesson, not a failure: the quiz's answer to a wrong guess
EXPECTED_ERROR_ALERTS = ("Not quite.",)
TRAINED_LABEL = "The model trained on the Train page"
TRAIN_SETTINGS = {"tr_T": 20, "tr_H": 8, "tr_steps": 100}


class ClientError(Exception):
    """Something a student would see as broken: an exception, a disconnect, a run that never ends."""


# ---------------------------------------------------------------------------------------------------- HTTP


async def http_get(host: str, port: int, path: str, cookies: dict, timeout: float = 30.0,
                   keep_body: bool = False) -> tuple[int, dict, int, bytes]:
    """GET path over a fresh loopback connection (HTTP/1.1, Connection: close); updates cookies from Set-Cookie.

    Returns (status, headers with lower-case names, body size, body if keep_body else b"")."""
    async def go():
        reader, writer = await asyncio.open_connection(host, port)
        try:
            head = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: gru_viz-load-test",
                    "Accept: */*", "Connection: close"]
            if cookies:
                head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
            await writer.drain()
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            headers = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    k, _, v = value.split(";", 1)[0].partition("=")
                    cookies[k.strip()] = v.strip()
                headers[name] = value
            size, body = 0, []
            while chunk := await reader.read(1 << 16):
                size += len(chunk)
                if keep_body:
                    body.append(chunk)
            return status, headers, size, b"".join(body)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
    return await asyncio.wait_for(go(), timeout)


async def http_put_file(host: str, port: int, path: str, cookies: dict, name: str, data: bytes,
                        timeout: float = 30.0) -> int:
    """PUT one file to path as Streamlit's uploader does (multipart form, X-Xsrftoken header = the XSRF cookie)."""
    async def go():
        boundary = f"----gru-viz-load-test-{random.getrandbits(64):016x}"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        reader, writer = await asyncio.open_connection(host, port)
        try:
            head = [f"PUT {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: gru_viz-load-test", "Accept: */*",
                    "Connection: close", f"Content-Type: multipart/form-data; boundary={boundary}",
                    f"Content-Length: {len(body)}", f"X-Xsrftoken: {cookies.get('_streamlit_xsrf', '')}",
                    f"Origin: http://{host}:{port}"]
            if cookies:
                head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            while await reader.read(1 << 16):
                pass
            return status
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
    return await asyncio.wait_for(go(), timeout)


def page_assets(html: str) -> list[str]:
    """The scripts, module preloads and stylesheets an index.html makes the browser fetch."""
    return sorted({m for m in re.findall(r'(?:src|href)="\./(static/[^"]+)"', html)})


# ---------------------------------------------------------------------------------------------------- widgets


@dataclasses.dataclass
class Widget:
    id: str
    kind: str  # the Element oneof name: slider, selectbox, ...
    key: str  # the user key (the part of the id after "$$ID-<hash>-")
    fragment_id: str
    form_id: str
    proto: object  # the element's widget message, as last drawn
    state: WidgetState | None  # what the frontend sends for it on every rerun (None: nothing)


def _has(msg, name: str) -> bool:
    try:
        return msg.HasField(name)
    except ValueError:  # a field without presence
        return True


def widget_key(element_id: str) -> str:
    """The key a page gave a widget, from the id Streamlit built with it ("$$ID-<hash>-<key>")."""
    return element_id.split("-", 2)[2] if element_id.startswith("$$ID-") else element_id


def initial_state(kind: str, el) -> WidgetState | None:
    """The value the frontend holds for a freshly drawn widget: its value when set_value, else its default."""
    ws = WidgetState(id=el.id)
    if kind == "slider":
        if el.options:  # select_slider: formatted option strings
            vals = list(el.raw_value) if el.raw_value else [el.options[int(i)] for i in
                                                            (el.value if el.set_value and el.value else el.default)]
            ws.string_array_value.data.extend(vals)
        else:
            ws.double_array_value.data.extend(el.value if el.set_value and el.value else el.default)
    elif kind in ("selectbox", "radio"):
        if el.set_value and _has(el, "raw_value"):
            ws.string_value = el.raw_value
        elif _has(el, "default") and el.options:
            ws.string_value = el.options[el.default]
        else:
            return None
    elif kind == "multiselect":
        ws.string_array_value.data.extend(list(el.raw_values) if el.set_value else [el.options[i] for i in el.default])
    elif kind == "button_group":
        ws.string_array_value.data.extend(
            list(el.raw_values) if el.set_value else [el.options[i].content for i in el.default])
    elif kind == "number_input":
        value = el.value if el.set_value and _has(el, "value") else el.default if _has(el, "default") else None
        if value is None:
            return None
        if el.data_type == el.INT:
            ws.int_value = int(value)
        else:
            ws.double_value = float(value)
    elif kind in ("text_input", "text_area"):
        if el.set_value and _has(el, "value"):
            ws.string_value = el.value
        elif _has(el, "default"):
            ws.string_value = el.default
        else:
            return None
    elif kind == "checkbox":
        ws.bool_value = el.value if el.set_value else el.default
    else:  # buttons (triggers), uploaders, download buttons: nothing until used
        return None
    return ws


def state_for(widget: Widget, value) -> WidgetState:
    """The WidgetState for setting widget to value (an option label, a number, a list of labels)."""
    ws, el = WidgetState(id=widget.id), widget.proto
    kind = widget.kind
    if kind == "slider":
        if el.options:
            ws.string_array_value.data.extend([str(value)])
        else:
            ws.double_array_value.data.extend(value if isinstance(value, (list, tuple)) else [float(value)])
    elif kind in ("selectbox", "radio"):
        if value not in el.options:
            raise ClientError(f"{widget.key}: no option {value!r} in {list(el.options)}")
        ws.string_value = value
    elif kind in ("multiselect", "button_group"):
        ws.string_array_value.data.extend([str(v) for v in value])
    elif kind == "number_input":
        if el.data_type == el.INT:
            ws.int_value = int(value)
        else:
            ws.double_value = float(value)
    elif kind in ("text_input", "text_area"):
        ws.string_value = str(value)
    elif kind in ("checkbox", "expander"):
        ws.bool_value = bool(value)
    else:
        raise ClientError(f"{widget.key}: cannot set a {kind}")
    return ws


# ---------------------------------------------------------------------------------------------------- the client


@dataclasses.dataclass
class Sample:
    """One interaction: what, how long, when, by whom, and whether a training process was alive."""
    kind: str
    seconds: float
    at: float  # time.monotonic() when it ended
    session: str
    phase: str
    training: bool = False


class Recorder:
    """Everything measured in a run, shared by all clients."""

    def __init__(self):
        self.samples: list[Sample] = []
        self.errors: list[tuple[str, str, str]] = []  # (session, phase, what)
        self.expected_alerts: list[str] = []  # st.error messages that are part of the lesson (a wrong quiz answer)
        self.loads: list[tuple[str, float]] = []  # (phase, seconds) page loads over HTTP
        self.trainings: list[float] = []  # submit → results drawn, seconds
        self.play_s = 0.0
        self.plays = 0
        self.bytes_in = 0
        self.auto_reruns = 0
        self.training_alive = lambda: False  # set by the memory sampler
        self.hostile_uploads: list[tuple[str, str]] = []  # (file name, "shown" | "refused")
        self.hostile_jobs = 0  # training jobs submitted by hostile sessions
        self.queue_positions: list[int] = []  # "number N in the queue" right after a hostile submit

    def add(self, kind: str, seconds: float, session: str, phase: str) -> None:
        self.samples.append(Sample(kind, seconds, time.monotonic(), session, phase, self.training_alive()))

    def error(self, session: str, phase: str, message: str) -> None:
        self.errors.append((session, phase, message))

    def count(self, *phases: str) -> int:
        return sum(1 for _, phase, _ in self.errors if phase in phases)


class StreamlitClient:
    """One browser tab: HTTP page load, one websocket, the widgets of the page, fragment timers."""

    def __init__(self, base_url: str, name: str, rec: Recorder, phase: str, static: bool = True,
                 timeout: float = 60.0):
        u = urllib.parse.urlsplit(base_url)
        self.host, self.port = u.hostname, u.port or 80
        self.base = f"http://{self.host}:{self.port}"
        self.name, self.rec, self.phase, self.static, self.timeout = name, rec, phase, static, timeout
        self.cookies: dict[str, str] = {}
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.widgets: dict[str, Widget] = {}  # by id
        self.pending: dict[str, dict[str, WidgetState]] = {}  # form id → widget id → value not yet submitted
        self.pages: dict[str, str] = {}  # url path ("" for the default page) → page_script_hash
        self.page_hash = ""
        self.query_string = ""
        self.finishes: list[tuple[int, tuple[str, ...]]] = []  # (status, fragment ids of the run)
        self.finished = asyncio.Event()
        self.run_widgets: set[str] = set()
        self.fragment_widgets: set[str] = set()
        self.full_runs = 0  # full runs finished so far
        self.last_progress = ""  # the text of the last st.progress drawn (diagnostics)
        self.elements: list = []  # (kind, element message) of the current full run
        self.timers: dict[str, asyncio.Task] = {}  # fragment id → auto-rerun task
        self.fetched_chunks: set[str] = set()
        self.background: set[asyncio.Task] = set()  # lazy chunk downloads under way
        self.closing = False
        self.failed: str | None = None
        self.upstream = ""
        self.session_id = ""
        self.expected_errors: tuple[str, ...] = ()  # st.error texts this client provokes on purpose
        self.file_urls: dict[str, object] = {}  # request id → FileURLs the server granted

    # ---- connection

    async def open(self, path: str = "") -> None:
        """Load the page at /path like a browser, connect, and run it; records the load time."""
        t0 = time.monotonic()
        status, headers, size, html = await http_get(self.host, self.port, "/" + path, self.cookies, self.timeout,
                                                     keep_body=True)
        self.upstream = headers.get("x-upstream", "")  # the replica behind deploy/serve.sh's nginx
        self.rec.bytes_in += size
        if status != 200:
            raise ClientError(f"GET /{path} answered {status}")
        if self.static:
            for asset in page_assets(html.decode("utf-8", "replace")):
                await self._get("/" + asset)
        await self._get("/_stcore/health")
        await self._get("/_stcore/host-config")
        xsrf = self.cookies.get("_streamlit_xsrf", "")
        self.ws = await connect(
            f"ws://{self.host}:{self.port}/_stcore/stream", subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
            origin=self.base, additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())},
            max_size=256 * 2**20, proxy=None, open_timeout=self.timeout, user_agent_header="gru_viz-load-test")
        self.reader = asyncio.create_task(self._read(), name=f"{self.name}-reader")
        start = len(self.finishes)
        await self._send_rerun(page_name=path, page_hash="", states=[], fragment_id="")
        await self._wait(FULL, "", time.monotonic(), start)
        self.rec.loads.append((self.phase, time.monotonic() - t0))

    async def close(self) -> None:
        self.closing = True
        for task in [*self.timers.values(), *self.background]:
            task.cancel()
        self.timers.clear()
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader

    async def _get(self, path: str) -> None:
        status, _, size, _ = await http_get(self.host, self.port, path, self.cookies, self.timeout)
        self.rec.bytes_in += size
        if status != 200:
            raise ClientError(f"GET {path} answered {status}")

    # ---- messages from the server

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self.rec.bytes_in += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg)
        except ConnectionClosed as exc:
            if not self.closing:
                self.failed = f"websocket closed by the server ({exc})"
        except Exception as exc:  # noqa: BLE001  a bug here must end the client loudly, not hang it
            self.failed = f"client error: {type(exc).__name__}: {exc}"
        finally:
            if not self.closing and self.failed is None:
                self.failed = "websocket ended"
            self.finished.set()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "file_urls_response":
            self.file_urls[msg.file_urls_response.response_id] = list(msg.file_urls_response.file_urls)
            self.finished.set()
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            fragments = tuple(msg.metadata.run.fragment_ids)
            self.fragment_widgets = set()  # what this run draws, for a fragment run's end
            if not fragments:  # a full run: the frontend drops every fragment timer here
                self.run_widgets, self.elements = set(), []
                self.page_hash = msg.new_session.page_script_hash
                for task in self.timers.values():
                    task.cancel()
                self.timers.clear()
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element, msg.delta.fragment_id)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "add_block":
            self._block(msg.delta.add_block, msg.delta.fragment_id)
        elif kind == "auto_rerun":
            fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if fid not in self.timers:
                self.timers[fid] = asyncio.create_task(self._auto_rerun(fid, interval), name=f"{self.name}-timer")
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                task = self.timers.pop(fid, None)
                if task:
                    task.cancel()
        elif kind == "page_not_found":
            self.rec.error(self.name, self.phase, f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            exc = msg.session_event.script_compilation_exception
            self.rec.error(self.name, self.phase, f"script compilation error: {exc.type}: {exc.message}")
        elif kind == "script_finished":
            status = msg.script_finished
            if status == FULL:  # the frontend forgets widgets this run did not draw
                self.widgets = {i: w for i, w in self.widgets.items() if i in self.run_widgets}
                self.full_runs += 1
            elif status == FRAGMENT:  # ... and a fragment's widgets that its run did not draw (the old step slider)
                done = set(msg.metadata.run.fragment_ids)
                self.widgets = {i: w for i, w in self.widgets.items()
                                if w.fragment_id not in done or i in self.fragment_widgets}
            self.finishes.append((status, tuple(msg.metadata.run.fragment_ids)))
            self.finished.set()

    def _element(self, element, fragment_id: str) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            e = element.exception
            self.rec.error(self.name, self.phase, f"exception on page {self._page_name()}: {e.type}: {e.message[:300]}")
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            if element.alert.body.startswith(EXPECTED_ERROR_ALERTS) or any(
                    text in element.alert.body for text in self.expected_errors):
                self.rec.expected_alerts.append(element.alert.body)
            else:
                self.rec.error(self.name, self.phase,
                               f"st.error on page {self._page_name()}: {element.alert.body[:300]}")
        elif kind in WIDGET_TYPES:
            el = getattr(element, kind)
            old = self.widgets.get(el.id)
            state = initial_state(kind, el)
            if old is not None and old.state is not None and not getattr(el, "set_value", False):
                state = old.state  # the frontend keeps what the student set unless the script sets a value
            self.widgets[el.id] = Widget(el.id, kind, widget_key(el.id), fragment_id, el.form_id, el, state)
            self.run_widgets.add(el.id)
            self.fragment_widgets.add(el.id)
        if kind == "progress":
            self.last_progress = element.progress.text
        self.elements.append((kind, element))
        chunk = LAZY_CHUNKS.get(kind)
        if self.static and chunk and chunk not in self.fetched_chunks:
            self.fetched_chunks.add(chunk)
            for path in sorted(glob.glob(str(STATIC_JS / f"{chunk}*.js"))):
                task = asyncio.create_task(self._fetch_quietly(f"/static/js/{Path(path).name}"))
                self.background.add(task)
                task.add_done_callback(self.background.discard)

    def _block(self, block, fragment_id: str) -> None:
        """A stateful expander (on_change or bind set) is a widget whose state is whether it is open."""
        if block.WhichOneof("type") != "expandable" or not block.expandable.id:
            return
        el = block.expandable
        old = self.widgets.get(el.id)
        state = old.state if old is not None else WidgetState(id=el.id, bool_value=el.expanded)
        self.widgets[el.id] = Widget(el.id, "expander", widget_key(el.id), fragment_id, "", el, state)
        self.run_widgets.add(el.id)
        self.fragment_widgets.add(el.id)

    async def _fetch_quietly(self, path: str) -> None:
        try:
            await self._get(path)
        except Exception as exc:  # noqa: BLE001
            self.rec.error(self.name, self.phase, f"GET {path} failed: {exc}")

    def _page_name(self) -> str:
        return next((p or "home" for p, h in self.pages.items() if h == self.page_hash), self.page_hash[:8])

    async def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        """The frontend's setInterval for st.fragment(run_every=...): a rerun of that fragment every interval."""
        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
            while not self.closing:
                await asyncio.sleep(interval)
                await self._send_rerun(fragment_id=fragment_id, auto=True)
                self.rec.auto_reruns += 1

    # ---- messages to the server

    def _states(self, changes: dict[str, WidgetState] = (), trigger: str | None = None) -> list[WidgetState]:
        states = {i: w.state for i, w in self.widgets.items() if w.state is not None}
        states.update(changes or {})
        if trigger:
            states[trigger] = WidgetState(id=trigger, trigger_value=True)
        return list(states.values())

    async def _send_rerun(self, *, page_name: str = "", page_hash: str | None = None, states=None,
                          fragment_id: str = "", auto: bool = False) -> None:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_hash if page_hash is None else page_hash
        cs.page_name = page_name
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = auto
        cs.widget_states.widgets.extend(self._states() if states is None else states)
        ci = cs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url, ci.is_embedded, ci.color_scheme = f"{self.base}/{page_name}", False, "light"
        await self.ws.send(msg.SerializeToString())

    async def _wait(self, want: int, fragment_id: str, t0: float, start: int, kind: str = "") -> float:
        """Wait for the script_finished (after the first `start` ones) that ends the run asked for at t0."""
        deadline = t0 + self.timeout
        while True:
            for status, fragments in self.finishes[start:]:
                if status == COMPILE_ERROR:
                    raise ClientError(f"compile error on page {self._page_name()}")
                if status == want and (want == FULL or fragment_id in fragments):
                    return time.monotonic() - t0
            start = len(self.finishes)
            if self.failed:
                raise ClientError(self.failed)
            left = deadline - time.monotonic()
            if left <= 0:
                seen = [(ForwardMsg.ScriptFinishedStatus.Name(st), f) for st, f in self.finishes[-4:]]
                raise ClientError(f"no script_finished within {self.timeout:.0f} s on page {self._page_name()} "
                                  f"({kind or 'page load'}; last ones seen: {seen})")
            self.finished.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.finished.wait(), left)

    async def _rerun(self, kind: str, *, fragment_id: str = "", changes=None, trigger=None,
                     page_hash: str | None = None, query: str | None = None) -> float:
        if self.failed:
            raise ClientError(self.failed)
        if query is not None:
            self.query_string = query
        states = [] if page_hash is not None else self._states(changes, trigger)
        t0, start = time.monotonic(), len(self.finishes)
        await self._send_rerun(page_hash=page_hash, states=states, fragment_id=fragment_id)
        seconds = await self._wait(FRAGMENT if fragment_id else FULL, fragment_id, t0, start, kind)
        self.rec.add(kind + (" (fragment)" if fragment_id else ""), seconds, self.name, self.phase)
        return seconds

    # ---- what a student does

    def widget(self, key: str, prefix: bool = False) -> Widget:
        for w in self.widgets.values():
            if w.key == key or (prefix and w.key.startswith(key)):
                return w
        have = sorted(w.key for w in self.widgets.values())
        raise ClientError(f"no widget {key!r} on page {self._page_name()} (have {have})")

    def has_page(self, path: str) -> bool:
        return path in self.pages

    async def goto(self, path: str) -> float:
        """Click the page in the sidebar: a rerun with its page_script_hash, no widget states, no query string."""
        if path not in self.pages:
            raise ClientError(f"no page {path!r} in the navigation ({sorted(self.pages)})")
        return await self._rerun(f"open {path or 'home'}", page_hash=self.pages[path], query="")

    async def set(self, key: str, value, kind: str | None = None, prefix: bool = False) -> float | None:
        """Change a widget, as a student releasing a slider or picking an option; a form widget waits for submit."""
        w = self.widget(key, prefix)
        state = state_for(w, value)
        if w.form_id:
            self.pending.setdefault(w.form_id, {})[w.id] = state
            return None
        w.state = state
        return await self._rerun(kind or f"set {key}", fragment_id=w.fragment_id, changes={w.id: state})

    async def click(self, key: str, kind: str | None = None) -> float:
        w = self.widget(key)
        return await self._rerun(kind or f"click {key}", fragment_id=w.fragment_id, trigger=w.id)

    async def chart_state(self, key: str, kind: str, **values) -> float:
        """A chart element (pages/_chart.py) reports its state, as its setStateValue does: the element's id carries
        the JSON of every state value set so far, then and in every later rerun (the frontend keeps it)."""
        w = self.widget(key)
        old = json.loads(w.state.json_value) if w.state is not None else {}
        w.state = WidgetState(id=w.id, json_value=json.dumps({**old, **values}, separators=(",", ":")))
        return await self._rerun(kind, fragment_id=w.fragment_id, changes={w.id: w.state})

    async def chart_trigger(self, key: str, event: str, value, kind: str) -> float:
        """A chart element fires a trigger, as its setTriggerValue does: a one-off list of {event, value} on the
        element's internal "__events" id. Waits for the full run a page switch starts (st.switch_page)."""
        w = self.widget(key)
        trigger = f"$$STREAMLIT_INTERNAL_KEY_{w.id}__events"
        payload = json.dumps([{"event": event, "value": value}], separators=(",", ":"))
        states = self._states({trigger: WidgetState(id=trigger, json_trigger_value=payload)})
        t0, start = time.monotonic(), len(self.finishes)
        await self._send_rerun(states=states, fragment_id=w.fragment_id)
        seconds = await self._wait(FULL, "", t0, start, kind)
        self.rec.add(kind, seconds, self.name, self.phase)
        return seconds

    async def submit(self, form_id: str, kind: str) -> float:
        button = next((w for w in self.widgets.values() if w.form_id == form_id and w.kind == "button"
                       and w.proto.is_form_submitter), None)
        if button is None:
            raise ClientError(f"no submit button for form {form_id!r}")
        changes = self.pending.pop(form_id, {})
        for wid, state in changes.items():
            if wid in self.widgets:
                self.widgets[wid].state = state
        return await self._rerun(kind, fragment_id=button.fragment_id, changes=changes, trigger=button.id)

    async def upload(self, key: str, name: str, data: bytes, kind: str) -> float:
        """Choose a file in uploader `key` as a browser does: ask the server for an upload URL over the websocket,
        PUT the file there (HTTP), then rerun with the uploader's state naming it; the latency is the rerun's."""
        w = self.widget(key)
        request_id = f"{self.name}-{random.getrandbits(32):08x}"
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session_id
        await self.ws.send(msg.SerializeToString())
        deadline = time.monotonic() + self.timeout
        while request_id not in self.file_urls:
            if self.failed or time.monotonic() > deadline:
                raise ClientError(self.failed or "no upload URL from the server")
            self.finished.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.finished.wait(), 1.0)
        urls = self.file_urls.pop(request_id)[0]
        status = await http_put_file(self.host, self.port, urls.upload_url, self.cookies, name, data, self.timeout)
        if status not in (200, 204):
            raise ClientError(f"upload of {name!r} answered {status}")
        state = WidgetState(id=w.id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        w.state = state
        return await self._rerun(kind, fragment_id=w.fragment_id, changes={w.id: state})

    def alerts(self, fmt: int) -> list[str]:
        return [e.alert.body for k, e in self.elements if k == "alert" and e.alert.format == fmt]

    async def fetch_media(self) -> None:
        """Fetch the media files (images, downloads) of the current run, as the browser does for images."""
        for kind, element in list(self.elements):
            if kind == "imgs":
                for img in element.imgs.imgs:
                    if img.url.startswith("/media/"):
                        await self._get(img.url)


# ---------------------------------------------------------------------------------------------------- the students


class DeadlinePassed(Exception):
    """A student's time is up: it stops where it is (it does not rush through the rest of its page)."""


class Student:
    """Walks every page in lesson order, changing inputs with think times in between; trainers train first."""

    def __init__(self, client: StreamlitClient, rng: random.Random, think: tuple[float, float],
                 play: tuple[float, float], trainer: bool = False, train_timeout: float = 240.0):
        self.c, self.rng, self.think_range, self.play_range = client, rng, think, play
        self.trainer, self.train_timeout = trainer, train_timeout
        self.has_model = False

    async def think(self, deadline: float) -> None:
        """A pause before the next action; at the deadline the student stops. (Cutting the pause short instead made
        every student fire the rest of its page's actions at the same instant: 48 reruns in flight at the end.)"""
        await asyncio.sleep(max(0.0, min(self.rng.uniform(*self.think_range), deadline - time.monotonic())))
        if time.monotonic() >= deadline:
            raise DeadlinePassed

    async def round(self, deadline: float, extra_pages: bool = True) -> None:
        """One pass through the app; stops at the first pause after the deadline."""
        try:
            await self._round(deadline, extra_pages)
        except DeadlinePassed:
            return

    async def _round(self, deadline: float, extra_pages: bool) -> None:
        steps = []
        if self.trainer:
            steps.append(self.train)
        steps += [self.home, self.one_step, self.gates, self.train_page_look]
        if extra_pages:
            steps += [self.other_page("compare"), self.other_page("memory")]
        for step in steps:
            if time.monotonic() >= deadline:
                return
            await step(deadline)

    async def home(self, deadline: float) -> None:
        await self.c.goto("")
        await self.c.fetch_media()
        await self.think(deadline)

    async def one_step(self, deadline: float) -> None:
        c, rng = self.c, self.rng
        await c.goto("one-step")
        await c.fetch_media()
        await self.think(deadline)
        for _ in range(2):  # the x slider, twice
            await c.set("os_x0", round(rng.uniform(-3, 3) / 0.05) * 0.05, "one-step: x slider")
            await self.think(deadline)
        await c.set("os_H", rng.choice([1, 2, 3, 4]), "one-step: H slider")
        await self.think(deadline)
        await c.set("os_seed", rng.randint(0, 9999), "one-step: weight seed")  # new weights: nothing cached
        await self.think(deadline)
        await c.set("os_r_mode", [rng.choice(["0", "1", "formula"])], "one-step: gate surgery")
        await self.think(deadline)
        await c.set("osx_guess_", round(rng.uniform(0, 1), 2), "one-step: quiz answer", prefix=True)
        await c.click("osx_reveal", "one-step: quiz reveal")
        await self.think(deadline)

    async def gates(self, deadline: float) -> None:
        c, rng = self.c, self.rng
        await c.goto("gates-over-time")
        await self.think(deadline)
        if self.has_model and rng.random() < 0.5:
            await c.set("got_weights", TRAINED_LABEL, "gates: trained weights")
            await self.play_chart(deadline)
            await c.set("got_weights", c.widget("got_weights").proto.options[0], "gates: weights preset")
        # anywhere in the sliders' ranges, with a fresh weight seed: settings nobody has used, so nothing is cached
        H = rng.randint(1, 32)
        await c.set("got_H", H, "gates: hidden-size slider")
        await self.play_chart(deadline)
        await c.set("got_seed", rng.randint(0, 9999), "gates: weight seed")
        await self.think(deadline)
        await c.set("got_T", rng.randint(2, 500), "gates: length slider")
        await self.play_chart(deadline)
        step = c.widget("got_step")
        await c.set("got_step", rng.randint(0, int(step.proto.max)), "gates: step slider")
        await self.think(deadline)
        if not c.widget("got_challenge").state.bool_value:  # the challenge draws its knobs only while open
            await c.set("got_challenge", True, "gates: open the challenge")
            await self.think(deadline)
        await c.set("gotx_knob_U_u", rng.choice([-4.0, -2.0, 0.0, 2.0, 4.0]), "gates: challenge knob")
        await self.think(deadline)
        if rng.random() < 0.3:  # a click on a heatmap cell: that step and unit in One step
            await c.chart_trigger("gotx_chart", "open", {"step": rng.randint(0, self.last_step()), "unit":
                                  rng.randint(0, H - 1)}, "gates: heatmap click → One step")
            await self.think(deadline)
            await c.click("osx_back", "one-step: back to its own cell")  # leave the step it was sent
            await self.think(deadline)

    def last_step(self) -> int:
        """The last step of the chart on screen (the step slider's end; 0 for a one-step sequence)."""
        try:
            return int(self.c.widget("got_step").proto.max)
        except ClientError:
            return 0

    async def play_chart(self, deadline: float) -> None:
        """Play (or a drag of the chart's step): nothing reaches the server until the cursor rests, then the chart
        reports its step once."""
        await self.play(deadline)
        await self.c.chart_state("gotx_chart", "gates: chart step after Play or drag", step=self.rng.randint(0, self.last_step()))

    async def play(self, deadline: float) -> None:
        """Press Play: the animation runs in the browser; the server hears nothing while it plays."""
        seconds = max(0.0, min(self.rng.uniform(*self.play_range), deadline - time.monotonic()))
        self.c.rec.plays += 1
        self.c.rec.play_s += seconds
        await asyncio.sleep(seconds)
        if time.monotonic() >= deadline:
            raise DeadlinePassed

    async def train_page_look(self, deadline: float) -> None:
        await self.c.goto("train")
        await self.think(deadline)

    def other_page(self, path: str):
        async def visit(deadline: float) -> None:
            if self.c.has_page(path):
                await self.c.goto(path)
                await self.think(deadline)
        return visit

    async def train(self, deadline: float) -> None:
        """Submit the Train form with short settings; follow the progress fragment until the results are drawn."""
        c = self.c
        await c.goto("train")
        for key, value in TRAIN_SETTINGS.items():
            await c.set(key, value)
        t0 = time.monotonic()
        await c.submit("trx_form", "train: submit")
        runs, limit = c.full_runs, t0 + self.train_timeout
        # the progress fragment reruns on its timer (auto_rerun) until the job ends; then it calls st.rerun(), and
        # that full run draws the results: the first full run after the submit, since the student waits meanwhile
        while not (c.full_runs > runs and any(b.startswith("Training finished") for b in c.alerts(Alert.SUCCESS))):
            if c.failed:
                raise ClientError(c.failed)
            if c.full_runs > runs and c.alerts(Alert.ERROR):
                raise ClientError(f"training failed: {c.alerts(Alert.ERROR)}")
            if time.monotonic() > limit:
                raise ClientError(
                    f"no training result within {self.train_timeout:.0f} s: {c.full_runs - runs} full runs since the "
                    f"submit, progress timer {'still running' if c.timers else 'stopped'}, last progress "
                    f"{c.last_progress!r}, alerts {[e.alert.body[:60] for k, e in c.elements if k == 'alert']}")
            await asyncio.sleep(0.1)
        c.rec.trainings.append(time.monotonic() - t0)
        self.has_model = True


# ---------------------------------------------------------------------------------------------------- hostile students


def _npz(meta: dict | None = None, compressed: bool = True, **arrays) -> bytes:
    import io
    import json

    import numpy as np

    buffer = io.BytesIO()
    if meta is not None:
        arrays["metadata"] = np.array(json.dumps(meta))
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def _gru(D: int, H: int, dtype, fill: float = 0.0) -> dict:
    import numpy as np

    return {"weight_ih": np.full((3 * H, D), fill, dtype), "weight_hh": np.full((3 * H, H), fill, dtype),
            "bias_ih": np.full(3 * H, fill, dtype), "bias_hh": np.full(3 * H, fill, dtype)}


def hostile_files() -> list[tuple[str, bytes]]:
    """What a student who wants to hurt the class uploads: each file of issue 10 once, and one the app must show."""
    import zipfile

    import numpy as np

    bomb = __import__("io").BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("weight_ih.npy", b"\0" * (200 * 2**20))  # 200 MB of zeros in a few hundred KB
        z.writestr("weight_hh.npy", b"\0" * 10)
    deep = _npz(compressed=False, metadata=np.array("[" * 60_000), **_gru(2, 2, np.float32))
    return [
        ("bool-H3000.npz", _npz({"task": "adding", "seq_len": 500}, **_gru(2, 3000, bool))),  # 60 KB
        ("float32-H1500.npz", _npz({"task": "adding", "seq_len": 200}, **_gru(2, 1500, np.float32))),
        ("zip-bomb.npz", bomb.getvalue()),
        ("nan.npz", _npz({"task": "adding"}, **_gru(2, 8, np.float64, np.nan))),
        ("[x](https://example.invalid).npz", _npz({"task": "adding", "metric": "mse", "value": "abc",
                                                    "baseline": "x", "steps": {"a": 1}}, **_gru(2, 8, np.float64))),
        ("deep-json.npz", deep),
        ("not-a-model.npz", b"PK\x03\x04 certainly not a zip"),
        ("recall-H64-T200.npz", _npz({"task": "recall", "seq_len": 200, "metric": "accuracy", "value": 0.25,
                                      "baseline": 0.25, "steps": 10}, **_gru(6, 64, np.float32, 0.05))),
    ]


HOSTILE_FILES: list[tuple[str, bytes]] = []  # filled by main(): numpy is imported only when the load test runs
HOSTILE_LINKS = ["H=%5BLog+in%5D%28https%3A%2F%2Fexample.invalid%2Flogin%29", "seed=%21%5B%5D%28https%3A%2F%2F"
                 "example.invalid%2Ft.gif%29", "H=" + "9" * 5000]


class Hostile(Student):
    """Uploads hostile files, opens hostile links and submits the largest training jobs, again and again."""

    def __init__(self, client: StreamlitClient, rng: random.Random, think: tuple[float, float]):
        super().__init__(client, rng, think, (0.0, 0.0))
        client.expected_errors = ("cannot be loaded",)

    async def round(self, deadline: float, extra_pages: bool = True) -> None:
        c, rng = self.c, self.rng
        for step in range(4):
            if time.monotonic() >= deadline:
                return
            if step < 3:
                await c.goto("train")
                name, payload = rng.choice(HOSTILE_FILES)
                await c.upload("trx_upload", name, payload, "hostile: upload")
                shown = any(b.startswith("Loaded") for b in c.alerts(Alert.SUCCESS))
                c.rec.hostile_uploads.append((name, "shown" if shown else "refused"))
                for key, value in (("tr_T", rng.randint(100, 200)), ("tr_H", rng.choice([32, 64])),
                                   ("tr_steps", rng.choice([1000, 2000]))):
                    await c.set(key, value)
                await c.submit("trx_form", "hostile: submit")
                c.rec.hostile_jobs += 1
                queued = [b for b in c.alerts(Alert.INFO) if "in the queue" in b]
                if queued:
                    c.rec.queue_positions.append(int(re.search(r"number (\d+)", queued[0]).group(1)))
            else:  # a hostile link, then away: the notice must stay text, the page must open
                path = rng.choice(["one-step", "compare"])
                if c.has_page(path):
                    await c._rerun(f"hostile: link to {path}", page_hash=c.pages[path], query=rng.choice(HOSTILE_LINKS))
            await self.think(deadline)


# ---------------------------------------------------------------------------------------------------- servers, /proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            kids.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
        except (OSError, IndexError, ValueError):
            pass
    return kids


def process_tree(pids: list[int]) -> list[int]:
    kids, out, todo = _children_map(), [], list(pids)
    while todo:
        pid = todo.pop()
        if pid not in out:
            out.append(pid)
            todo += kids.get(pid, [])
    return out


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def is_training_child(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"spawn_main" in f.read()
    except OSError:
        return False


def machine_busy() -> tuple[float, float]:
    """(busy jiffies, total jiffies) of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class MemorySampler:
    """Every `every` seconds: RSS of the server processes and all their descendants, and live training children."""

    def __init__(self, server_pids: list[int], every: float = 1.0):
        self.server_pids, self.every = server_pids, every
        self.samples: list[tuple[float, int, int, int]] = []  # (t, server tree KiB, training children KiB, n)
        self.training_now = False
        self.task: asyncio.Task | None = None

    def sample(self) -> tuple[int, int, int]:
        tree = process_tree(self.server_pids)
        training = [p for p in tree if is_training_child(p)]
        self.training_now = bool(training)
        s = (sum(rss_kib(p) for p in tree), sum(rss_kib(p) for p in training), len(training))
        self.samples.append((time.monotonic(), *s))
        return s

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await loop.run_in_executor(None, self.sample)
            await asyncio.sleep(self.every)

    def cpu(self) -> float:
        return sum(cpu_seconds(p) for p in process_tree(self.server_pids))


class Target:
    """The server under test: one `streamlit run app.py`, N replicas behind nginx (deploy/serve.sh), or a URL."""

    def __init__(self, kind: str, replicas: int, url: str | None, log_dir: Path, server_args: list[str] = (),
                 app_dir: Path = ROOT):
        self.kind, self.replicas, self.url, self.log_dir = kind, replicas, url, log_dir
        self.server_args, self.app_dir = list(server_args), Path(app_dir)
        self.proc: subprocess.Popen | None = None
        self.server_pids: list[int] = []
        self.proxy_pids: list[int] = []
        self.log = None

    def start(self, timeout: float = 120.0) -> str:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self.kind == "url":
            port = urllib.parse.urlsplit(self.url).port or 80
            self.server_pids = pids_listening(port)
            return self.url.rstrip("/")
        port = free_port()
        if self.kind == "single":
            self.log = open(self.log_dir / "load-single.log", "wb")  # noqa: SIM115  (open while the server runs)
            cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                   "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
                   *self.server_args]
            self.proc = subprocess.Popen(cmd, cwd=self.app_dir, stdout=self.log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env={"MALLOC_ARENA_MAX": "2", **os.environ, "PYTHONUNBUFFERED": "1"})  # as deploy/serve.sh
            self.server_pids = [self.proc.pid]
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, timeout, self.proc)
            return url
        ports = ",".join(str(free_port()) for _ in range(self.replicas))
        self.log = open(self.log_dir / "load-nginx.log", "wb")  # noqa: SIM115  (open while serve.sh runs)
        self.proc = subprocess.Popen(["bash", str(ROOT / "deploy" / "serve.sh"), "--port", str(port),
                                      "--backend-ports", ports, "--", *self.server_args], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL,
                                     env={**os.environ, "PYTHON": sys.executable, "APP_DIR": str(self.app_dir)})
        run_dir, deadline = None, time.monotonic() + timeout
        while time.monotonic() < deadline:  # serve.sh prints "run dir: ..." only once everything is healthy
            line = self.proc.stdout.readline().decode()
            if not line:
                raise RuntimeError(f"serve.sh exited ({self.proc.wait()}); see {self.log.name}")
            if line.startswith("run dir: "):
                run_dir = Path(line.split(": ", 1)[1].strip())
            if line.startswith("gru_viz is served at"):
                break
        if run_dir is None:
            raise RuntimeError("serve.sh did not start in time")
        self.server_pids = [int((run_dir / f"replica-{i}.pid").read_text()) for i in range(self.replicas)]
        self.proxy_pids = [int((run_dir / "nginx-master.pid").read_text())]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # serve.sh stops nginx and its replicas itself
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.log:
            self.log.close()


def wait_healthy(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(OSError), opener.open(f"{url}/_stcore/health", timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not healthy after {timeout:.0f} s")


def pids_listening(port: int) -> list[int]:
    """The processes holding a listening TCP socket on port (from /proc/net/tcp*)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            for line in list(f)[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(parts[9])
    pids = []
    for fd in glob.glob("/proc/[0-9]*/fd/*"):
        with contextlib.suppress(OSError):
            link = os.readlink(fd)
            if link.startswith("socket:[") and link[8:-1] in inodes:
                pids.append(int(fd.split("/")[2]))
    return sorted(set(pids))


# ---------------------------------------------------------------------------------------------------- the run


def app_version(app_dir: Path) -> str:
    """The commit the app code comes from, and whether it has uncommitted changes (or a snapshot's marker file)."""
    marker = app_dir / ".snapshot-commit"
    if marker.exists():
        return f"snapshot of {marker.read_text().strip()} in {app_dir}"
    try:
        head = subprocess.run(["git", "-C", str(app_dir), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(app_dir), "status", "--porcelain", "--", "app.py", "pages",
                                "gru_viz", ".streamlit"], capture_output=True, text=True, timeout=10,
                               check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return str(app_dir)
    return f"commit {head}" + (" with uncommitted changes to the app" if dirty else "")


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks; nan when empty."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


async def run_student(url: str, name: str, rec: Recorder, phase: str, rng: random.Random, args, deadline: float,
                      trainer: bool = False, rounds: int | None = None, alone: bool = False,
                      hostile: bool = False) -> str:
    """One student from arrival to the deadline (or `rounds` passes); alone: the idle session's short pauses.

    Returns the replica that served it (X-Upstream), when behind deploy/serve.sh's nginx."""
    client = StreamlitClient(url, name, rec, phase, static=not args.no_static, timeout=args.timeout)
    if hostile:
        student = Hostile(client, rng, args.hostile_think)
    else:
        student = Student(client, rng, args.idle_think if alone else args.think, (0.0, 0.0) if alone else args.play,
                          trainer=trainer)
    try:
        await client.open("")
        done = 0
        while time.monotonic() < deadline and (rounds is None or done < rounds):
            try:
                await student.round(deadline)
            except DeadlinePassed:  # a student kind with its own round (Hostile) stops the same way
                break
            done += 1
    except ClientError as exc:
        rec.error(name, phase, str(exc))
    except (TimeoutError, ConnectionClosed, OSError) as exc:
        rec.error(name, phase, f"{type(exc).__name__}: {exc}")
    finally:
        if client.failed and not any(e[0] == name and e[1] == phase for e in rec.errors):
            rec.error(name, phase, client.failed)
        await client.close()
    return client.upstream


async def main_async(args) -> int:
    target = Target(args.target, args.replicas, args.url, ARTIFACTS, args.server_arg, args.app_dir)
    busy0, load0, t_start = machine_busy(), loadavg(), time.monotonic()
    url = await asyncio.get_running_loop().run_in_executor(None, target.start)
    print(f"Target: {args.target}{f' ({args.replicas} replicas behind nginx)' if args.target == 'nginx' else ''} "
          f"at {url}; server pids {target.server_pids}", flush=True)
    sampler = MemorySampler(target.server_pids)
    rec = Recorder()
    rec.training_alive = lambda: sampler.training_now
    sampler.sample()
    sampler.task = asyncio.create_task(sampler.run())
    cpu_server0 = sampler.cpu()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    rss_start = sampler.samples[-1][1]
    rss_settled = main_warm = main_settled = None
    children_settled = (0, 0)
    phases = {}
    try:
        t = time.monotonic()
        # warm-up: the legacy-routing first run, first imports (torch via the Train page), the default figures;
        # behind nginx, until every replica has had one (each session lands on the replica its cookie hashes to)
        warmed: set[str] = set()
        for attempt in range(4 * len(target.server_pids)):
            warmed.add(await run_student(url, "warm-up", rec, "warm-up", random.Random(999 + attempt), args,
                                         t + 600, rounds=1, alone=True, trainer=args.training_jobs + args.hostile > 0))
            if len(warmed) >= len(target.server_pids) or "" in warmed:
                break
        rss_warm = sampler.samples[-1][1]
        main_warm = sum(rss_kib(pid) for pid in target.server_pids)
        phases["warm-up"] = time.monotonic() - t
        print(f"Warm-up done in {phases['warm-up']:.0f} s; idle session ({args.idle_rounds} rounds) ...", flush=True)
        t, cpu = time.monotonic(), sampler.cpu()
        await run_student(url, "idle", rec, "idle-before", random.Random(1), args, t + 600, rounds=args.idle_rounds,
                          alone=True)
        phases["idle before"] = time.monotonic() - t
        reruns = sum(s.phase == "idle-before" for s in rec.samples)
        phases["idle CPU per rerun"] = (sampler.cpu() - cpu) / max(1, reruns)

        print(f"Load: {args.sessions} sessions ({args.hostile} hostile, {args.training_jobs} training) for "
              f"{args.duration:.0f} s ...", flush=True)
        t = time.monotonic()
        deadline = t + args.duration
        tasks = []
        for i in range(args.sessions):  # hostile ones are h00.., trainers t00.., the others s00..
            await asyncio.sleep(args.ramp / max(1, args.sessions))
            hostile, trainer = i < args.hostile, args.hostile <= i < args.hostile + args.training_jobs
            name = f"h{i:02d}" if hostile else f"t{i:02d}" if trainer else f"s{i:02d}"
            tasks.append(asyncio.create_task(run_student(
                url, name, rec, "load", random.Random(100 + i), args, deadline, trainer=trainer, hostile=hostile)))
        await asyncio.wait_for(asyncio.gather(*tasks), args.duration + args.ramp + args.timeout + 300)
        phases["load"] = time.monotonic() - t

        t = time.monotonic()
        await run_student(url, "idle", rec, "idle-after", random.Random(1), args, t + 600, rounds=args.idle_rounds,
                          alone=True)
        phases["idle after"] = time.monotonic() - t
        if args.settle > 0:  # Streamlit keeps a closed session for server.disconnectedSessionTTL (120 s)
            print(f"Waiting {args.settle:.0f} s for closed sessions to expire ...", flush=True)
            await asyncio.sleep(args.settle)
            await run_student(url, "idle", rec, "settle", random.Random(2), args, time.monotonic() + 600, rounds=1,
                              alone=True)  # writing the session store drops the expired sessions
            await asyncio.sleep(3)
            sampler.sample()
            rss_settled = sampler.samples[-1][1]
            main_settled = sum(rss_kib(pid) for pid in target.server_pids)
            children_settled = sampler.samples[-1][2:]  # (training children KiB, how many)
    finally:
        sampler.task.cancel()
        sampler.sample()
        cpu_server = sampler.cpu() - cpu_server0
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        busy1, load1 = machine_busy(), loadavg()
        proxy_rss = sum(rss_kib(p) for p in process_tree(target.proxy_pids))
        await asyncio.get_running_loop().run_in_executor(None, target.stop)
    wall = time.monotonic() - t_start
    client_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    machine = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * 100
    return report(args, rec, sampler, phases, rss_start, rss_warm, cpu_server, client_cpu, machine, wall, load0, load1,
                  proxy_rss, rss_settled, (main_warm, main_settled, children_settled))


def slowest_moments(rec, n: int = 8) -> None:
    """The slowest interactions of the load: when each ran and how many reruns were in flight with it (a queue
    behind one slow rerun, or a crowd of ordinary ones arriving together, read differently)."""
    load = [s for s in rec.samples if s.phase == "load"]
    if not load:
        return
    t0 = min(s.at - s.seconds for s in load)
    print(f"The {n} slowest interactions of the load (start, s after the first; in flight: reruns overlapping it):")
    print()
    print("| start (s) | interaction | session | ms | in flight |")
    print("|---:|---|---|---:|---:|")
    for s in sorted(load, key=lambda s: -s.seconds)[:n]:
        start = s.at - s.seconds
        overlap = sum(1 for o in load if o is not s and o.at > start and o.at - o.seconds < s.at)
        print(f"| {start - t0:.1f} | {s.kind} | {s.session} | {s.seconds * 1000:.0f} | {overlap} |")
    print()


def report(args, rec, sampler, phases, rss_start, rss_warm, cpu_server, client_cpu, machine, wall, load0,
           load1, proxy_rss, rss_settled=None, settled_parts=(None, None, (0, 0))) -> int:
    def lat(phase=None, pred=lambda s: True):
        return [s.seconds * 1000 for s in rec.samples if (phase is None or s.phase in phase) and pred(s)]

    idle = lat(("idle-before", "idle-after"))
    load = lat(("load",))
    others = lat(("load",), lambda s: s.session.startswith("s"))  # neither hostile nor training
    during_training = lat(("load",), lambda s: s.training)
    peak = max(s[1] for s in sampler.samples)
    end = sampler.samples[-1][1]
    ncpu = os.cpu_count()
    target = (f"{args.replicas} replicas behind nginx" if args.target == "nginx" else
              "1 process" if args.target == "single" else args.url)

    print()
    print(f"## Load test: {args.sessions} sessions ({args.hostile} hostile, {args.training_jobs} training) against "
          f"{target}"
          + (f" with {' '.join(args.server_arg)}" if args.server_arg else ""))
    print()
    print(f"App: {app_version(args.app_dir)}.")
    print(f"Machine: {ncpu} cores; load average {load0} before, {load1} after; all CPUs {machine:.0f}% busy over the "
          f"run ({wall:.0f} s). Server CPU {cpu_server:.0f} s, these clients {client_cpu:.0f} s, the rest of the "
          f"machine (other users) ≈ {max(0.0, machine / 100 * ncpu * wall - cpu_server - client_cpu):.0f} s.")
    print(f"Server CPU per rerun of the idle session: {phases.get('idle CPU per rerun', float('nan')) * 1000:.0f} ms "
          "(its page loads included), so one process, which runs Python one thread at a time, serves at most about "
          f"{1 / max(phases.get('idle CPU per rerun', 1), 1e-3):.0f} reruns per second.")
    print(f"Settings: {args.duration:.0f} s of load, arrivals over {args.ramp:.0f} s, think {args.think[0]:g}-"
          f"{args.think[1]:g} s, Play {args.play[0]:g}-{args.play[1]:g} s, static files "
          f"{'off' if args.no_static else 'on'}; the idle session (the same interactions, one client alone, pauses "
          f"{args.idle_think[0]:g}-{args.idle_think[1]:g} s) ran {args.idle_rounds} round(s) before and after.")
    print()
    print(f"| | idle session | {args.sessions} sessions | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| interactions (reruns) | {len(idle)} | {len(load)} | |")
    for q in (50, 95):
        a, b = pct(idle, q), pct(load, q)
        print(f"| p{q} latency (ms) | {a:.0f} | {b:.0f} | {b / a:.2f} |")
    a = pct(idle, 95)
    if others:
        c = pct(others, 95)
        print(f"| p95 of the {args.sessions - args.hostile - args.training_jobs} other sessions (ms) | | {c:.0f} "
              f"({len(others)} reruns) | {c / a:.2f} |")
    if during_training:
        b = pct(during_training, 95)
        print(f"| p95 while a training process ran (ms) | | {b:.0f} ({len(during_training)} reruns) | {b / a:.2f} |")
    before, after = lat(("idle-before",)), lat(("idle-after",))
    print(f"| idle before / after the load: p50, p95 (ms) | {pct(before, 50):.0f}, {pct(before, 95):.0f} / "
          f"{pct(after, 50):.0f}, {pct(after, 95):.0f} | | |")
    loads_idle = [s * 1000 for p, s in rec.loads if p.startswith("idle")]
    loads_load = [s * 1000 for p, s in rec.loads if p == "load"]
    print(f"| page load, HTTP + first run, p50 / max (ms) | {pct(loads_idle, 50):.0f} / {max(loads_idle or [0]):.0f} "
          f"| {pct(loads_load, 50):.0f} / {max(loads_load or [0]):.0f} | |")
    errors_of = {group: sum(1 for n, phase, _ in rec.errors if phase == "load" and n.startswith(group))
                 for group in "sht"}
    print(f"| errors: idle / others, hostile, training | {rec.count('idle-before', 'idle-after', 'settle')} | "
          f"{errors_of['s']}, {errors_of['h']}, {errors_of['t']} | |")
    print(f"| server RSS, MiB: start / after warm-up / peak / end"
          + (" / settled" if rss_settled else "") + f" | {rss_start / 1024:.0f} / {rss_warm / 1024:.0f} / "
          f"{peak / 1024:.0f} / {end / 1024:.0f}" + (f" / {rss_settled / 1024:.0f}" if rss_settled else "") + " | | |")
    print()
    print(f"Server RSS = the Streamlit process{'es' if len(sampler.server_pids) > 1 else ''} and all "
          f"{'their' if len(sampler.server_pids) > 1 else 'its'} children (training processes included), sampled "
          f"every {sampler.every:g} s" + (f"; nginx itself: {proxy_rss / 1024:.0f} MiB." if proxy_rss else "."))
    print()
    print("Per interaction (latency in ms, idle session vs the load's sessions):")
    print()
    print("| interaction | idle n | idle p50 | idle p95 | load n | load p50 | load p95 | p95 ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    kinds = sorted({s.kind for s in rec.samples if s.phase != "warm-up"})
    for kind in kinds:
        a = lat(("idle-before", "idle-after"), lambda s, k=kind: s.kind == k)
        b = lat(("load",), lambda s, k=kind: s.kind == k)
        ratio = f"{pct(b, 95) / pct(a, 95):.2f}" if a and b else ""
        print(f"| {kind} | {len(a)} | {pct(a, 50):.0f} | {pct(a, 95):.0f} | {len(b)} | {pct(b, 50):.0f} | "
              f"{pct(b, 95):.0f} | {ratio} |")
    print()
    slowest_moments(rec)
    if rec.trainings:
        print(f"Trainings (T=20, H=8, 100 steps; submit → results drawn): {len(rec.trainings)} done, p50 "
              f"{pct(rec.trainings, 50):.1f} s, max {max(rec.trainings):.1f} s "
              f"(each server process trains one at a time; the others wait in its FIFO queue). Training processes "
              f"were alive in "
              f"{sum(1 for s in sampler.samples if s[3]) * sampler.every:.0f} s of the run, up to "
              f"{max(s[3] for s in sampler.samples)} at once, using up to "
              f"{max(s[2] for s in sampler.samples) / 1024:.0f}"
              f" MiB; {rec.auto_reruns} progress-fragment reruns sent.")
    print(f"Play pressed {rec.plays} times ({rec.play_s:.0f} s of animation): the animation runs in the browser, so "
          "the server receives nothing while it plays; when the cursor rests the chart reports its step (one "
          "fragment rerun, 'gates: chart step after Play or drag').")
    print(f"Received {rec.bytes_in / 2**20:.0f} MiB (websocket messages, pages, static files, media).")
    if args.hostile:
        by_file: dict[str, list[str]] = {}
        for name, outcome in rec.hostile_uploads:
            by_file.setdefault(name, []).append(outcome)
        print()
        print(f"Hostile sessions: {len(rec.hostile_uploads)} uploads ("
              + ", ".join(f"{name}: {len(o)}× {'/'.join(sorted(set(o)))}" for name, o in sorted(by_file.items()))
              + f"), {rec.hostile_jobs} training jobs submitted (T 100-200, H 32/64, 1000/2000 steps); queue position "
              f"right after a submit: max {max(rec.queue_positions, default=0)}, median "
              f"{pct(rec.queue_positions, 50) if rec.queue_positions else 0:.0f}.")
    failures = []
    if rec.errors:
        print()
        print(f"Errors ({len(rec.errors)}):")
        for session, phase, what in rec.errors[:30]:
            print(f"- {session} ({phase}): {what}")
        failures.append("errors")
    print()
    if args.training_jobs and during_training:
        ratio = pct(during_training, 95) / pct(idle, 95)
        ok = ratio <= args.training_target
        print(f"Target 'p95 latency while training processes run within {args.training_target:g}x idle': "
              f"{ratio:.2f}x, {'met' if ok else 'MISSED'}.")
        if not ok:
            failures.append("training target")
    if others:
        ratio = pct(others, 95) / pct(idle, 95)
        ok = ratio <= args.training_target and errors_of["s"] == 0
        print(f"Target 'the other sessions: no errors, p95 within {args.training_target:g}x idle': {errors_of['s']} "
              f"errors, {ratio:.2f}x, {'met' if ok else 'MISSED'}.")
        if not ok:
            failures.append("others target")
    if rss_settled:
        # the Streamlit process against itself after warm-up (the warm-up's own training process may still have been
        # alive then), and no training process left once every session has gone
        main_warm, main_settled, (children_kib, children) = settled_parts
        ratio = main_settled / main_warm
        ok = ratio <= args.memory_limit and children == 0
        print(f"Target 'the Streamlit process {args.settle:.0f} s after the sessions closed within "
              f"{args.memory_limit:g}x of its size after warm-up, and no training process left': "
              f"{main_settled / 1024:.0f} / {main_warm / 1024:.0f} MiB = {ratio:.2f}x, {children} training "
              f"process(es) still alive ({children_kib / 1024:.0f} MiB), {'met' if ok else 'MISSED'}. With children: "
              f"{rss_settled / 1024:.0f} MiB; the bare server started at {rss_start / 1024:.0f} MiB.")
        if not ok:
            failures.append("memory target")
    return 1 if failures else 0


def parse_range(text: str) -> tuple[float, float]:
    a, _, b = text.partition(":")
    return float(a), float(b or a)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--target", choices=("single", "nginx", "url"), default=None,
                   help="single: one `streamlit run app.py` (default); nginx: deploy/serve.sh; url: --url")
    p.add_argument("--replicas", type=int, default=2, help="replicas for --target nginx (default 2)")
    p.add_argument("--url", help="an app that is already running (sets --target url); memory is read from the "
                                 "processes listening on its port")
    p.add_argument("--sessions", type=int, default=30, help="concurrent sessions (default 30)")
    p.add_argument("--hostile", type=int, default=10,
                   help="how many of them upload hostile files, open hostile links and submit the largest training\n"
                        "jobs, again and again (default 10)")
    p.add_argument("--training-jobs", type=int, default=0,
                   help="how many more of them train small models and wait for the result, again and again (0)")
    p.add_argument("--hostile-think", type=parse_range, default=(0.5, 2.0), help="hostile pauses, s (0.5:2)")
    p.add_argument("--settle", type=float, default=130,
                   help="seconds to wait after the load for closed sessions to expire before the last memory sample\n"
                        "(Streamlit keeps them server.disconnectedSessionTTL = 120 s); 0 skips it (130)")
    p.add_argument("--memory-limit", type=float, default=1.2, help="settled RSS ≤ this × after warm-up (1.2)")
    p.add_argument("--duration", type=float, default=180, help="seconds of load (default 180)")
    p.add_argument("--ramp", type=float, default=15, help="the sessions arrive over this many seconds (default 15)")
    p.add_argument("--think", type=parse_range, default=(2.0, 6.0), help="think time between actions, s (2:6)")
    p.add_argument("--play", type=parse_range, default=(4.0, 8.0), help="Play idles this long, s (4:8)")
    p.add_argument("--idle-rounds", type=int, default=3, help="rounds of the idle session, before and after (3)")
    p.add_argument("--idle-think", type=parse_range, default=(0.3, 0.8),
                   help="the idle session's pauses, s (0.3:0.8): alone, how long it waits changes nothing")
    p.add_argument("--timeout", type=float, default=60, help="longest wait for one rerun, s (60)")
    p.add_argument("--training-target", type=float, default=3.0, help="p95 while training ≤ this × idle p95 (3)")
    p.add_argument("--no-static", action="store_true", help="skip the static files of a page load")
    p.add_argument("--app-dir", type=Path, default=ROOT,
                   help="the checkout the server(s) started here serve (default: this one); e.g. a `git archive`\n"
                        "snapshot, so that a series of runs measures the same app while others commit")
    p.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                   help="one more `streamlit run` argument for the server(s) started here, repeatable; e.g.\n"
                        "--server-arg=--runner.postScriptGC --server-arg=false")
    args = p.parse_args()
    args.target = args.target or ("url" if args.url else "single")
    if args.target == "url" and not args.url:
        p.error("--target url needs --url")
    args.hostile = min(args.hostile, args.sessions)
    args.training_jobs = min(args.training_jobs, args.sessions - args.hostile)
    if args.hostile:
        HOSTILE_FILES.extend(hostile_files())
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
