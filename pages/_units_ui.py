"""Streamlit parts of the "Units in real text" page: the coloured-code view and the retrain panel.

The view draws one span per character, built in the browser.
The characters reach the browser as JSON data and become text nodes (textContent), never HTML or Markdown, so
source code full of < > & * _ ` shows exactly as it is. A click picks a character; a drag, or a shift-click
after a click, selects a span; either comes back as the trigger value "picked".
"""

from __future__ import annotations

import streamlit as st

from gru_viz import jobs
from gru_viz import unit_words as words
from gru_viz.safe_text import literal
from gru_viz.text_training import TextConfig
from pages._queue import policy_caption, submit, waiting_text

CSS = """
.gv-code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 16px; line-height: 1.5;
  white-space: pre-wrap; overflow-wrap: anywhere; tab-size: 8; margin: 0; padding: 10px;
  border: 1px solid #d0d0d0; border-radius: 6px; background: #ffffff; color: #111111; user-select: none;
  cursor: pointer; max-height: 70vh; overflow-y: auto; }
.gv-code span { padding: 1px 0; }
.gv-code .light { color: #ffffff; }
.gv-code .in-span { box-shadow: inset 0 -3px 0 #E69F00, inset 0 3px 0 #E69F00; }
.gv-code .match { text-decoration: underline 3px #009E73; text-underline-offset: 3px; }
.gv-code .cursor { outline: 3px solid #D55E00; outline-offset: -1px; }
.gv-legend { font-size: 15px; margin: 0 0 6px 0; color: #222222; }
.gv-key { display: inline-block; min-width: 3.2em; text-align: center; padding: 2px 4px; margin-right: 2px;
  font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; color: #111111; }
.gv-key.light { color: #ffffff; }
"""

JS = """
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let legend = parentElement.querySelector("div.gv-legend"), root = parentElement.querySelector("pre.gv-code");
  if (!root) {
    legend = document.createElement("div");
    legend.className = "gv-legend";
    root = document.createElement("pre");
    root.className = "gv-code";
    root.setAttribute("data-testid", "gv-code");
    parentElement.append(legend, root);
  }
  const keys = [document.createTextNode(data.label + ":  ")];
  for (const [value, colour, light] of data.legend) {
    const box = document.createElement("span");
    box.className = "gv-key" + (light ? " light" : "");
    box.style.background = colour;
    box.textContent = (value > 0 ? "+" : value < 0 ? "\u2212" : "") + Math.abs(value).toFixed(1);
    keys.push(box);
  }
  legend.replaceChildren(...keys);
  const scroll = root.scrollTop;
  const text = data.text, marks = new Uint8Array(text.length);
  for (let i = Math.max(data.span[0], 0); i < Math.min(data.span[1], text.length); i++) marks[i] |= 1;
  for (const [a, b] of data.matches) for (let i = Math.max(a, 0); i < Math.min(b, text.length); i++) marks[i] |= 2;
  const frag = document.createDocumentFragment();
  for (let i = 0; i < text.length; i++) {
    const ch = text[i], span = document.createElement("span"), c = data.colour[i];
    span.textContent = ch === "\\n" ? " " : ch;  // a new line gets a coloured cell of its own, then breaks
    span.style.background = data.palette[c];
    if (data.light[c]) span.classList.add("light");
    if (marks[i] & 1) span.classList.add("in-span");
    if (marks[i] & 2) span.classList.add("match");
    if (i === data.cursor) span.classList.add("cursor");
    span.dataset.i = String(i);
    frag.appendChild(span);
    if (ch === "\\n") frag.appendChild(document.createTextNode("\\n"));
  }
  root.replaceChildren(frag);
  root.scrollTop = scroll;
  const at = (e) => {
    const el = e.target.closest ? e.target.closest("span[data-i]") : null;
    return el ? Number(el.dataset.i) : null;
  };
  let down = null;
  root.onpointerdown = (e) => { down = at(e); };
  root.onpointerup = (e) => {
    const up = at(e);
    if (down === null || up === null) { down = null; return; }
    if (up !== down) {
      setTriggerValue("picked", { span: [Math.min(up, down), Math.max(up, down) + 1] });
    } else if (e.shiftKey && data.cursor >= 0 && data.cursor !== up) {
      setTriggerValue("picked", { span: [Math.min(up, data.cursor), Math.max(up, data.cursor) + 1] });
    } else {
      setTriggerValue("picked", { cursor: up });
    }
    down = null;
  };
}
"""

_view = st.components.v2.component("gru_viz.units_text", css=CSS, js=JS, isolate_styles=True)


def text_view(key: str, data: dict, on_pick) -> None:
    """Draw the coloured passage; on_pick(key) runs before the rerun a click or drag starts."""
    _view(key=key, data=data, on_picked_change=lambda: on_pick(key))


def retrain_panel(prefix: str, shipped_meta: dict, steps_choices: list[int], this_machine: str) -> None:
    """Retrain the text model in the job queue: settings, time estimate, progress, queue place and Stop."""
    budget_s = jobs.default_manager.budget_s
    with st.form(f"{prefix}x_retrain"):
        left, right = st.columns(2)
        steps = left.select_slider(f"training steps ({TextConfig.batch_size} streams × {TextConfig.seq_len} "
                                   "characters each)", steps_choices,
                                   value=words.default_retrain_steps(steps_choices, shipped_meta, budget_s), key=f"{prefix}_steps", bind="query-params",
                                   persist_state="session")
        right.number_input("seed", 0, 9999, value=0, key=f"{prefix}_seed", bind="query-params",
                           persist_state="session")
        submitted = st.form_submit_button("Train it again", type="primary")
    st.caption(words.retrain_sentence(steps, shipped_meta, this_machine, budget_s))
    policy_caption()
    s = st.session_state
    if submitted:
        try:
            config = TextConfig(steps=int(s[f"{prefix}_steps"]), seed=int(s[f"{prefix}_seed"]))
            job = submit(config)  # the same queue and policy as the Train page: it replaces this session's run
            if job is not None:
                s[f"{prefix}__job"] = job
        except ValueError as exc:
            st.error(f"The retrain could not start: {literal(exc, 200)}")
    job = s.get(f"{prefix}__job")
    st.fragment(_progress, run_every=0.5 if job is not None and not job.finished else None)(prefix)
    kind, text = s.get(f"{prefix}__message", (None, ""))
    if kind:
        (st.error if kind == "error" else st.success)(text)
    if s.get(f"{prefix}__model") is not None and st.button("Show the shipped model again", key=f"{prefix}x_shipped"):
        del s[f"{prefix}__model"]
        st.rerun()


def _progress(prefix: str) -> None:
    """This session's retrain: its place in the queue or its progress, redrawn until it ends."""
    s = st.session_state
    job = s.get(f"{prefix}__job")
    if job is None:
        return
    job.poll()
    if job.status == "queued":
        st.info(waiting_text(job))
    latest = job.latest
    if latest is not None and not job.finished:
        val = "" if latest.val_metric is None else f" · held-out {latest.val_metric:.2f} bits per character"
        st.progress(latest.step / latest.steps, text=f"step {latest.step} of {latest.steps} · "
                    f"{latest.elapsed_s:.0f} s on {latest.device.upper()}{val}")
    if not job.finished:
        if st.button("Stop", key=f"{prefix}x_stop"):
            job.stop()
        return
    if s.get(f"{prefix}__shown") != job.id:
        s[f"{prefix}__shown"] = job.id
        if job.status == "error":
            s[f"{prefix}__message"] = ("error", job.error)
        elif job.result is not None:
            r = job.result
            s[f"{prefix}__model"] = r.model
            why = f" ({job.message})" if job.ended_by == "budget" else ""
            s[f"{prefix}__message"] = ("success", f"Training {'stopped' if r.stopped else 'finished'}{why} after "
                                       f"{r.steps_done} steps in {r.seconds:.0f} s on {r.device.upper()}: "
                                       f"{r.value:.2f} bits per character on the held-out text. The page now "
                                       "shows this model.")
        st.rerun()
