"""The GRU vs LSTM vs RNN and Memory pages under AppTest, with real (very short) runs in child processes,
and the training queue's policy seen from several sessions at once."""

import gc
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gru_viz import jobs, runs
from gru_viz.tasks import TASKS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SHORT = {"T": "10", "H": "4", "steps": "20", "seeds": "2"}  # six tiny networks in one process: a few seconds


@pytest.fixture(autouse=True)
def submitted(monkeypatch):
    """The (cell, seed) parts of every job the pages submit; the run store and the queue start empty."""
    from pages._runs import run_store

    run_store.clear()
    calls = []
    real = jobs.submit

    def counting(configs, owner=None, analyse=None):
        parts = [configs] if not isinstance(configs, list) else configs
        calls.append([(c.cell, c.seed) for c in parts])
        return real(configs, owner, analyse)

    monkeypatch.setattr(jobs, "submit", counting)
    yield calls
    run_store.clear()
    jobs.default_manager.shutdown()


PREFIXES = {"pages/compare.py": "cmp", "pages/memory.py": "mem", "pages/train.py": "tr"}


def link(page: str, settings: dict) -> dict:
    """A page's link from short names: {"T": "10"} → {"cmp_T": "10"}; a task by the title its selectbox shows."""
    prefix = PREFIXES[page]
    return {f"{prefix}_{k}": (TASKS[v].title if k == "task" and v in TASKS else v) for k, v in settings.items()}


def open_page(page: str, query: dict | None = None, notices: bool = False) -> AppTest:
    """The page opened from a link; fails if it could not take every setting of the link, unless `notices`."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(link(page, query or {}))
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert notices or not any("not valid here" in w.value for w in at.warning), [t.value for t in at.text]
    return at


def wait_for_results(at: AppTest, prefix: str, status: str = "done") -> AppTest:
    """Rerun as the progress fragment would until the page's run has ended."""
    deadline = time.monotonic() + 120
    while (run := at.session_state[f"{prefix}__run"]) is not None and run.status == "running":
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.3)
        at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[f"{prefix}__run"].status == status
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [m.value for m in at.caption] + [i.value for i in at.info]
                     + [w.value for w in at.warning] + [e.value for e in at.error])


def test_compare_trains_every_cell_and_seed_in_one_job_then_serves_the_stored_run(submitted):
    at = open_page("pages/compare.py", SHORT)
    assert any("Press **Compare**" in i.value for i in at.info) and not submitted
    assert "first come, first served" in texts(at)  # the queue's rules, in words
    wait_for_results(click(at, "Compare"), "cmp")
    assert submitted == [[("gru", 0), ("lstm", 0), ("rnn", 0), ("gru", 1), ("lstm", 1), ("rnn", 1)]]
    assert len(at.get("plotly_chart")) == 2 and len(at.table[0].value) == 3  # loss against step, and seconds
    page = texts(at)
    assert "Time per training step (median over 2 seeds)" in page and "2 seeds on one task" in page
    assert "halved" in page and "No memory:" in page and "the best guess from the current input alone" in page
    assert all(r.endswith("of 2 seeds") for r in at.table[0].value["halved the error"])
    assert "T = 10 · H = 4 · 20 steps" in page and "seeds 0–1" in page and "device **CPU**" in page
    first = at.session_state["cmp__run"]

    # another student, the same settings: the stored run at once, nothing trains
    again = open_page("pages/compare.py", SHORT)
    assert again.session_state["cmp__run"] is first and len(again.get("plotly_chart")) == 2
    assert any("nothing was retrained" in i.value for i in again.info)
    click(again, "Compare")
    assert again.session_state["cmp__run"] is first and len(submitted) == 1

    # Run again: a fresh run of all six, with the same losses on CPU
    wait_for_results(click(again, "Run again"), "cmp")
    fresh = again.session_state["cmp__run"]
    assert fresh is not first and len(submitted) == 2
    assert fresh.final_values() == first.final_values()
    assert "Same final metrics as the run before" in texts(again)


def test_memory_reuses_a_seed_of_a_matching_comparison_and_retrains_on_request(submitted):
    settings = dict(task="adding", seq_len=10, hidden_size=4, steps=20, lr=0.01, seed=0)
    from pages._runs import run_store

    run, _ = run_store().get_or_start(runs.compare_configs(**settings, seeds=2))
    deadline = time.monotonic() + 120
    while run.status == "running" and time.monotonic() < deadline:
        run.poll()
        time.sleep(0.2)
    assert run.status == "done" and len(submitted) == 1

    at = open_page("pages/memory.py", {"T": "10", "H": "4", "steps": "20", "seed": "1"})
    assert at.session_state["mem__run"] is run and len(submitted) == 1  # seed 1's GRU and RNN of the comparison
    assert len(at.get("plotly_chart")) == 2  # influence and retention
    page = texts(at)
    assert "The earliest key input, at step" in page and "A plain RNN has no update gate" in page
    assert "seed 1 ·" in page and "seeds 0–1" not in page and "device **CPU**" in page
    assert "the same unit held" in page and "through the candidate" in page
    wait_for_results(click(at, "Run again"), "mem")
    assert submitted[1:] == [[("gru", 1), ("rnn", 1)]] and at.session_state["mem__run"].cells == ("gru", "rnn")
    assert "Same final metrics as the run before" in texts(at)


def test_memory_trains_a_gru_and_an_rnn(submitted):
    at = open_page("pages/memory.py", {"T": "10", "H": "4", "steps": "20", "task": "recall", "seed": "5"})
    assert any("Press **Train both**" in i.value for i in at.info)
    wait_for_results(click(at, "Train both"), "mem")
    assert submitted == [[("gru", 5), ("rnn", 5)]] and len(at.get("plotly_chart")) == 2
    assert "task `recall`" in texts(at)


def test_bad_link_values_fall_back_with_a_notice(submitted):
    at = open_page("pages/compare.py", {"T": "banana", "task": "<b>x</b>", "H": "1000", "lr": "0.02", "seeds": "50"},
                   notices=True)
    assert len(at.warning) == 1 and sorted(at.text[0].value.split("\n")) == [
        "cmp_H=1000 → 16", "cmp_T=banana → 50", "cmp_lr=0.02 → 0.01", "cmp_seeds=50 → 5",
        "cmp_task=<b>x</b> → Adding problem"]
    state = at.session_state
    assert (state["cmp_T"], state["cmp_task"], state["cmp_H"], state["cmp_seeds"], state["cmp_lr"]) == (
        50, "adding", 16, 5, 0.01)
    at = open_page("pages/memory.py", {"task": "sine", "steps": "-3", "seed": "1.5"}, notices=True)
    assert len(at.warning) == 1 and at.session_state["mem_task"] == "adding"
    assert len(at.text[0].value.split("\n")) == 3  # the noisy sine is no Memory task, -3 steps, seed 1.5
    assert not submitted


# --- the queue's policy, several sessions at once -------------------------------------------------------------

LONG = {"T": "50", "H": "16", "steps": "2000", "seeds": "1"}  # trains for a minute: only the policy ends it


def test_a_sessions_second_submit_replaces_its_first_across_pages(submitted):
    at = open_page("pages/train.py", {"T": "50", "H": "16", "steps": "2000"})
    at.button[0].click().run()  # the Train form's submit
    train_job = at.session_state["tr__job"]
    assert not train_job.finished
    at.query_params.update(link("pages/compare.py", {"T": "50", "H": "16", "steps": "2000", "seeds": "1"}))
    at.switch_page("pages/compare.py").run()
    click(at, "Compare")
    compare = at.session_state["cmp__run"]
    assert train_job.ended_by == "replaced", texts(at)  # one job per session: the Train run is asked to stop
    train_job.stop(wait=30)
    assert train_job.status == "stopped" and "replaced by a newer run" in train_job.message
    assert compare.status == "running" and jobs.default_manager.owned(at.session_state["__queue_owner"]) is compare.job


def test_a_full_queue_refuses_with_an_estimate(submitted, monkeypatch):
    monkeypatch.setattr(jobs.default_manager, "max_waiting", 0)
    busy = open_page("pages/compare.py", LONG)
    click(busy, "Compare")  # takes the only slot
    other = open_page("pages/compare.py", {**LONG, "seed": "7"})
    click(other, "Compare")
    assert any(w.value.startswith("The server is busy: ") and "Try again in about" in w.value for w in other.warning)
    assert other.session_state["cmp__run"] is None and len(submitted) == 2  # asked, refused, nothing queued


def test_settings_over_the_budget_are_refused_before_they_queue(submitted, monkeypatch):
    monkeypatch.setattr(jobs.default_manager, "budget_s", 5.0)
    at = open_page("pages/compare.py", {**LONG, "seeds": "8"})
    click(at, "Compare")
    assert any("more than the 5 s one run may use on this server" in e.value for e in at.error) and not submitted


def test_the_budget_ends_an_over_long_training_with_a_clear_message(submitted, monkeypatch):
    monkeypatch.setattr(jobs.default_manager, "budget_s", 3.0)
    at = open_page("pages/train.py", {"T": "10", "H": "4", "steps": "2000"})
    at.button[0].click().run()
    job = at.session_state["tr__job"]
    deadline = time.monotonic() + 60
    while not job.finished:
        assert time.monotonic() < deadline
        time.sleep(0.3)
        at.run()
    at.run()
    assert job.ended_by == "budget"
    assert any("the most one run may train on this server" in s.value for s in at.success)
    page = texts(at)
    assert "first come, first served" in page and "at most 3 s" in page  # the policy, with this server's budget
    assert "The dashed line, " in page and "the best guess from the current input alone" in page  # the curve


def test_a_closed_sessions_run_is_cancelled_unless_another_session_watches_it(submitted):
    alice = open_page("pages/compare.py", LONG)
    click(alice, "Compare")
    shared = alice.session_state["cmp__run"]
    bob = open_page("pages/compare.py", LONG)  # the same settings: Bob looks at Alice's run
    assert bob.session_state["cmp__run"] is shared
    del alice  # Alice closes her tab: her session state, and the queue's owner in it, are gone
    gc.collect()
    jobs.default_manager.poll()
    shared.poll()
    assert shared.status == "running"  # Bob still watches it
    del bob
    gc.collect()
    jobs.default_manager.poll()
    deadline = time.monotonic() + 30
    while shared.status == "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
        shared.poll()
    assert shared.status == "error" and "closed" in shared.error
