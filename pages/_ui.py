"""Streamlit helpers shared by the pages: URL-backed settings and small drawing conveniences."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import streamlit as st

from gru_viz import urlstate
from pages._nav import ROUTED, navigation


def route_through_navigation() -> None:
    """Hand a first visitor who arrived on a page's address over to app.py's navigation.

    Until some script of this server process has called st.navigation, Streamlit treats pages/ as its old automatic
    multipage folder and runs the page whose file name matches the address on its own, without app.py. app.py marks
    every run it starts; a page that finds no mark calls st.navigation itself (which ends the old mode for the whole
    process) and reruns, so that app.py routes this and every later visit.
    """
    if st.session_state.get(ROUTED) or st.session_state.get(f"{ROUTED}_tried"):
        return
    st.session_state[f"{ROUTED}_tried"] = True  # once: a page run on its own (a test, say) must not loop
    navigation()
    st.rerun()


route_through_navigation()  # every page imports this module first

UPLOADS_KEPT_PER_SESSION = 2  # the Train page's uploader holds one file; the next may be on its way


def keep_few_uploads(keep: int = UPLOADS_KEPT_PER_SESSION) -> None:
    """Hold at most `keep` uploaded files per session in this server process, the oldest dropped first.

    Streamlit keeps every file a session PUTs to /_stcore/upload_file (each up to server.maxUploadSize) until the
    session ends, even files no widget ever names: a script can store gigabytes from one tab. Installed once per
    process, on the upload manager Streamlit's upload route calls.
    """
    try:
        from streamlit.runtime import Runtime

        manager = Runtime.instance().uploaded_file_mgr
    except (ImportError, RuntimeError, AttributeError):  # AppTest and bare runs have no server, hence no uploads
        return
    if getattr(manager, "gru_viz_keep", None) is not None or not hasattr(manager, "file_storage"):
        return
    add_file = manager.add_file

    def add_and_trim(session_id, file):
        add_file(session_id, file)
        stored = list(manager.file_storage.get(session_id, {}))  # oldest first: dicts keep insertion order
        for file_id in stored[:-keep]:
            manager.remove_file(session_id, file_id)

    manager.add_file = add_and_trim
    manager.gru_viz_keep = keep


keep_few_uploads()


def kept_in_session(name: str, key, build):
    """build() once per key for this session, kept in its state: what only this student looks at leaves the server's
    memory with the session, so the shared caches behind build can stay small."""
    mine = st.session_state.get(name)
    if mine is None or mine[0] != key:
        mine = (key, build())
        st.session_state[name] = mine
    return mine[1]


URL = dict(bind="query-params", persist_state="session")  # a setting lives in the link and survives page visits


@dataclass(frozen=True)
class Link:
    """The address bar as a page found it, before its widgets took (and corrected) the values."""

    prefix: str  # every setting of the page is named "<prefix>_<name>"
    params: dict[str, list[str]]


def link_settings(prefix: str) -> Link:
    """The address bar's settings; read it before drawing the widgets."""
    return Link(prefix, {k: st.query_params.get_all(k) for k in st.query_params})


def show_link_notices(where, link: Link, formats: dict | None = None) -> None:
    """Say in `where`, as plain text, which settings of the link the page could not take and what it uses instead.

    Streamlit drops a bound value it cannot use (out of range, not an option) without a word; this says so.
    formats: key → the function a widget shows its value with (the address bar holds the shown label)."""
    shown = {k: st.session_state[k] for k in link.params if k in st.session_state}
    bad = urlstate.link_notices(link.params, shown, formats or {}, f"{link.prefix}_")
    if bad:
        box = where.container(key="link_notices")  # the class st-key-link_notices finds it
        box.warning("Some settings in this link are not valid here; the page uses these instead:",
                    icon=":material/link:")
        box.text("\n".join(bad))  # plain text: a link can carry anything


def text_in_link(key: str, value: str, wanted: bool) -> None:
    """Keep a free-text setting in the address bar by hand when it fits in a link (see urlstate.LINK_MAX_CHARS).

    Streamlit's binding would write any text, however long, and a link longer than a proxy's request line does not
    reopen; so long text stays out of the link, and the page says so."""
    fits = wanted and urlstate.fits_in_link({**{k: st.query_params.get_all(k) for k in st.query_params}, key: value})
    if fits and st.query_params.get(key) != value:
        st.query_params[key] = value
    elif not fits and key in st.query_params:
        del st.query_params[key]
    if wanted and not fits:
        st.caption(f"Too long for a link ({len(value):,} characters): the address bar leaves it out, so a copied "
                   "link opens the default instead.")


def trained_model():
    """The model this session trained or uploaded on the Train page, or None."""
    return st.session_state.get("trained_model")


EDITS_MAX_CHARS = 16_384  # the JSON of every cell of a 9 × 4 table edited is under 2 KB


def cell_edits_only(key: str, rows: int, columns: list[str]) -> str:
    """The key to draw a fixed-size st.data_editor with: `key`, or a fresh one when the browser's editing state for it
    holds anything but edits of existing cells.

    Streamlit applies added and deleted rows even to a fixed table (a hand-made websocket message with thousands of
    rows costs seconds of the server, quadratic in their number), and an edit of a row or column that does not exist
    raises. Under a fresh key the old state is dropped unread, and the table starts again from the data given.
    """
    generation = st.session_state.get(f"{key}__generation", 0)
    current = f"{key}__{generation}" if generation else key
    state = _editing_state(current)
    if state is not None and not _only_cell_edits(state, rows, columns):
        st.session_state[f"{key}__generation"] = generation + 1
        st.session_state[f"{key}__refused"] = True
        current = f"{key}__{generation + 1}"
    if st.session_state.pop(f"{key}__refused", False):
        st.warning("That change to the table was refused: only the numbers already in it can be edited. "
                   "It starts again from the preset.", icon=":material/block:")
    return current


def _editing_state(key: str):
    """The editing state the browser sent for data editor `key` (a dict, or its JSON text while Streamlit has not read
    it yet), or None; read without deserializing it, so an oversized state costs nothing."""
    try:  # Streamlit has no public way to see a widget's value before the widget applies it
        from streamlit.runtime.state.session_state import Serialized
        from streamlit.runtime.state.session_state_proxy import get_session_state

        state = get_session_state()._state
        widget_id = state._key_id_mapper.get_id_from_key(key, None)
        item = state._new_widget_state.states.get(widget_id) if widget_id else None
    except (AttributeError, ImportError, TypeError):  # another Streamlit: fall back to the public (deserializing) way
        return st.session_state.get(key)
    if item is None:
        return None
    return item.value.string_value if isinstance(item, Serialized) else item.value


def _only_cell_edits(state, rows: int, columns: list[str]) -> bool:
    """True when an editing state only changes existing cells of a rows × columns table to numbers (or clears them)."""
    if isinstance(state, str):
        if len(state) > EDITS_MAX_CHARS:
            return False
        try:
            state = json.loads(state)
        except (ValueError, RecursionError):
            return False
    if not isinstance(state, dict) or set(state) - {"edited_rows", "added_rows", "deleted_rows"}:
        return False
    if state.get("added_rows") or state.get("deleted_rows"):
        return False
    edited = state.get("edited_rows") or {}
    if not isinstance(edited, dict) or len(edited) > rows:
        return False
    for row, cells in edited.items():
        if not (str(row).isdigit() and int(row) < rows and isinstance(cells, dict) and set(cells) <= set(columns)):
            return False
        if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))
                   for v in cells.values()):
            return False
    return True
