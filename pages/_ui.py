"""Streamlit helpers shared by the pages: URL-backed settings and small drawing conveniences."""

from __future__ import annotations

import json
import math

import streamlit as st

from gru_viz import urlstate
from gru_viz.safe_text import literal


def leave_legacy_routing() -> None:
    """Send a first visitor who arrived on an old-style page URL through app.py's st.navigation.

    Until app.py has called st.navigation once in this server process, Streamlit treats pages/ as
    its old automatic multipage folder and runs a page script whose file name matches the URL on
    its own, with a menu of file names. Turning that mode off and rerunning routes through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


leave_legacy_routing()  # every page imports this module first

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


def restore_from_url(prefix: str, fields: list[urlstate.Field]) -> None:
    """Seed the page's widgets: from the link on its first run in this session, else from saved values.

    Streamlit forgets a widget's value on any run that does not draw it (another page, a hidden
    control); the copy kept by save_to_url brings it back, so nothing a student set is lost.
    """
    saved = st.session_state.setdefault("__saved_settings", {})
    flag = f"{prefix}__url_loaded"
    if flag not in st.session_state:
        values, notices = urlstate.read(st.query_params.to_dict(), fields)
        st.session_state[flag] = True
        st.session_state[f"{prefix}__notices"] = notices
        saved.update({f"{prefix}_{name}": value for name, value in values.items()})
    for field in fields:
        key = f"{prefix}_{field.name}"
        if key not in st.session_state:
            st.session_state[key] = saved.get(key, field.default)


def show_url_notices(prefix: str) -> None:
    """Say which link settings were ignored, once."""
    for notice in st.session_state.pop(f"{prefix}__notices", []):
        st.warning(notice, icon=":material/link:")


def save_to_url(prefix: str, fields: list[urlstate.Field]) -> None:
    """Keep the page's settings, and write them into the query string so the address bar is a shareable link."""
    values = {f.name: st.session_state.get(f"{prefix}_{f.name}", f.default) for f in fields}
    st.session_state.setdefault("__saved_settings", {}).update({f"{prefix}_{k}": v for k, v in values.items()})
    wanted, left_out = urlstate.encode_within(values, fields)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    if left_out:
        st.caption(f"Too long for a link: the address bar leaves out {', '.join(literal(n) for n in left_out)}, "
                   f"so a copied link opens {'it' if len(left_out) == 1 else 'them'} with the default.")


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
