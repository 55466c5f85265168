"""Streamlit helpers shared by the pages: URL-backed settings and small drawing conveniences."""

from __future__ import annotations

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
