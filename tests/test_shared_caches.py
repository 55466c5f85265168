"""One session cannot change what another sees: every shared cache is keyed on everything that shapes its output.

Sessions of one server share st.cache_data and st.cache_resource; two AppTests in one process do too. The attack of
issue 10: a student uploads a model with the same weights as the class's default run but another task (and no
training snapshots); every student who then opens their own model must still see it, not the upload.
"""

import json
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from gru_viz import GRUWeights
from gru_viz.trained import TrainedModel

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
WEIGHTS = GRUWeights.random(2, 6, seed=3)  # adding and flip-flop both take 2 input channels
VICTIM = TrainedModel(weights=WEIGHTS, task="adding", seq_len=30, metadata={"steps": 20},
                      snapshots=((0, GRUWeights.random(2, 6, seed=4)), (20, WEIGHTS)))


def attackers():
    """Same weights as the victim's model, and one other thing each: what an upload can change."""
    yield "task", TrainedModel(weights=WEIGHTS, task="flipflop", seq_len=30, metadata={"steps": 20})
    yield "seq_len", TrainedModel(weights=WEIGHTS, task="adding", seq_len=12, metadata={"steps": 20},
                                  snapshots=VICTIM.snapshots)
    yield "snapshots", TrainedModel(weights=WEIGHTS, task="adding", seq_len=30, metadata={"steps": 20})
    yield "facts", TrainedModel(weights=WEIGHTS, task="adding", seq_len=30, metadata={"steps": 999},
                                snapshots=VICTIM.snapshots)


def view(model: TrainedModel) -> dict[str, str]:
    """What a session with this model sees: the Train page's figures and Gates over time with the trained weights."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.session_state["trained_model"] = model
    at.switch_page("pages/train.py").run()
    assert not at.exception, [e.value for e in at.exception]
    seen = {f"train {i}": c.proto.spec for i, c in enumerate(at.get("plotly_chart"))}
    seen.update({f"train chart {i}": c.proto.json for i, c in enumerate(at.get("bidi_component"))})
    at.session_state["got_weights"] = "trained"
    at.switch_page("pages/gates-over-time.py").run()
    assert not at.exception, [e.value for e in at.exception]
    seen.update({f"gates {i}": c.proto.spec for i, c in enumerate(at.get("plotly_chart"))})
    seen.update({f"gates chart {i}": c.proto.json for i, c in enumerate(at.get("bidi_component"))})
    seen["gates info"] = " ".join(i.value for i in at.info)
    return seen


@pytest.mark.parametrize("changed, attacker", list(attackers()), ids=[name for name, _ in attackers()])
def test_an_upload_with_the_same_weights_does_not_change_another_session(changed, attacker):
    st.cache_data.clear()
    st.cache_resource.clear()
    alone = view(VICTIM)  # the victim's view on a fresh server
    st.cache_data.clear()
    st.cache_resource.clear()
    view(attacker)  # the attacker's session fills the shared caches first
    after = view(VICTIM)
    assert after.keys() == alone.keys()
    changed_views = [name for name in alone if after[name] != alone[name]]
    assert not changed_views, f"the attacker's {changed} leaked into {changed_views}"


def test_the_victim_sees_its_own_task_and_training_snapshots():
    st.cache_resource.clear()
    view(TrainedModel(weights=WEIGHTS, task="flipflop", seq_len=30))
    seen = view(VICTIM)
    title = json.loads(json.loads(seen["train chart 0"])["spec"])["figure"]["layout"]["title"]["text"]
    assert "Adding problem" in title, title
    assert "adding" in seen["gates info"] and "T = 30" in seen["gates info"]


def test_every_shared_cache_in_the_pages_is_listed_here():
    """A new st.cache_* in a page needs its key checked (and a case above): this list makes it visible."""
    found = sorted((p.name, m.group(1)) for p in (ROOT / "pages").glob("*.py")
                   for m in re.finditer(r"@st\.cache_(?:data|resource)[^\n]*\ndef (\w+)\(", p.read_text()))
    assert found == [("_gates.py", "build"),  # keyed by seq_key and weights_key (with TrainedModel.key)
                     ("_gates.py", "load_sequence"),  # every argument is the key
                     ("_runs.py", "run_store"),  # the store of comparison runs, shared on purpose, keyed by settings
                     ("memory.py", "analyse"),  # keyed by the run's id, unique per run in a server process
                     ("train.py", "results_figures"),  # keyed by TrainedModel.key
                     ("units-in-text.py", "analysis"),  # keyed by the model's and the held-out text's digests; the
                     ("units-in-text.py", "ranking_chart"),  # models are the server's own (no upload path), and
                     ("units-in-text.py", "shipped")], found  # CharModel.digest covers every parameter
