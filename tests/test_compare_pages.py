"""The GRU vs LSTM vs RNN and Memory pages under AppTest, with real (very short) runs in child processes."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gru_viz import comparison, jobs

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SHORT = {"T": "10", "H": "4", "steps": "20"}  # three cells train in a few seconds, most of it process start


@pytest.fixture(autouse=True)
def submitted(monkeypatch):
    """The cells of every job the pages submit; the server-wide run store starts empty."""
    from pages._runs import run_store

    run_store.clear()
    calls = []
    real = jobs.submit

    def counting(config):
        calls.append(config.cell)
        return real(config)

    monkeypatch.setattr(jobs, "submit", counting)
    yield calls
    run_store.clear()


def open_page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query or {})
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def wait_for_results(at: AppTest, prefix: str) -> AppTest:
    """Rerun as the progress fragment would until the page's run has ended."""
    deadline = time.monotonic() + 120
    while (run := at.session_state[f"{prefix}__run"]) is not None and run.status == "running":
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.3)
        at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[f"{prefix}__run"].status == "done"
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [m.value for m in at.caption] + [i.value for i in at.info])


def test_compare_trains_three_cells_then_serves_the_stored_run(submitted):
    at = open_page("pages/compare.py", SHORT)
    assert any("Press **Compare**" in i.value for i in at.info) and not submitted
    wait_for_results(click(at, "Compare"), "cmp")
    assert submitted == ["gru", "lstm", "rnn"]
    assert len(at.get("plotly_chart")) == 1 and len(at.table[0].value) == 3
    page = texts(at)
    assert "Per training step the" in page and "weak evidence" in page
    assert "T = 10 · H = 4 · 20 steps" in page and "seed 0" in page and "device **CPU**" in page
    first = at.session_state["cmp__run"]

    # another student, the same settings: the stored run at once, nothing trains
    again = open_page("pages/compare.py", SHORT)
    assert again.session_state["cmp__run"] is first and len(again.get("plotly_chart")) == 1
    assert any("nothing was retrained" in i.value for i in again.info)
    click(again, "Compare")
    assert again.session_state["cmp__run"] is first and len(submitted) == 3

    # Run again: a fresh run of all three, with the same losses on CPU
    wait_for_results(click(again, "Run again"), "cmp")
    fresh = again.session_state["cmp__run"]
    assert fresh is not first and len(submitted) == 6
    assert fresh.final_values() == first.final_values()
    assert "Same final metrics as the run before" in texts(again)


def test_memory_reuses_a_matching_comparison_and_retrains_on_request(submitted):
    settings = dict(task="adding", seq_len=10, hidden_size=4, steps=20, lr=0.01, seed=0)
    from pages._runs import run_store

    run, _ = run_store().get_or_start(comparison.compare_configs(**settings))
    deadline = time.monotonic() + 120
    while run.status == "running" and time.monotonic() < deadline:
        run.poll()
        time.sleep(0.2)
    assert run.status == "done" and len(submitted) == 3

    at = open_page("pages/memory.py", {**SHORT, "seed": "0"})
    assert at.session_state["mem__run"] is run and len(submitted) == 3  # the comparison's GRU and RNN
    assert len(at.get("plotly_chart")) == 2  # influence and retention
    page = texts(at)
    assert "The earliest key input, at step" in page and "A plain RNN has no such gate" in page
    assert "seed 0" in page and "device **CPU**" in page
    wait_for_results(click(at, "Run again"), "mem")
    assert submitted[3:] == ["gru", "rnn"] and at.session_state["mem__run"].cells == ("gru", "rnn")
    assert "Same final metrics as the run before" in texts(at)


def test_memory_trains_a_gru_and_an_rnn(submitted):
    at = open_page("pages/memory.py", {**SHORT, "task": "recall", "seed": "5"})
    assert any("Press **Train both**" in i.value for i in at.info)
    wait_for_results(click(at, "Train both"), "mem")
    assert submitted == ["gru", "rnn"] and len(at.get("plotly_chart")) == 2
    assert "task `recall`" in texts(at)


def test_bad_link_values_fall_back_with_a_notice(submitted):
    at = open_page("pages/compare.py", {"T": "banana", "task": "<b>x</b>", "H": "1000", "lr": "0.02"})
    assert len(at.warning) == 4 and any("'lr=0.02' is not one of the slider's rates" in w.value for w in at.warning)
    state = at.session_state
    assert (state["cmp_T"], state["cmp_task"], state["cmp_H"]) == (50, "adding", 16)
    assert state["cmp_lr"] in (0.01, 0.03)  # a rate between the slider's stops snaps to a stop
    at = open_page("pages/memory.py", {"task": "sine", "steps": "-3", "seed": "1.5"})
    assert len(at.warning) == 3 and at.session_state["mem_task"] == "adding"
    assert not submitted
