"""Training jobs in child processes: results, stopping, the FIFO queue, and no process left behind."""

import gc
import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from gru_viz import jobs
from gru_viz.jobs import JobManager
from gru_viz.training import TrainConfig

ROOT = Path(__file__).resolve().parents[1]


def tiny(**changes) -> TrainConfig:
    base = {"task": "flipflop", "seq_len": 20, "hidden_size": 8, "steps": 40, "batch_size": 16, "val_size": 64,
            "eval_every": 20, "device": "cpu"}
    return TrainConfig(**{**base, **changes})


LONG = {"steps": 10_000_000}  # would run for hours: only a stop can end it


def wait_until(condition, *polled, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out; jobs: {polled}"
        for job in polled:
            job.poll()
        time.sleep(0.02)


def started_pid(job) -> int:
    """The pid of a job's child, once training has begun."""
    wait_until(lambda: job.latest is not None, job)
    return job._child.process.pid


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def manager():
    m = JobManager(max_running=1)
    yield m
    m.shutdown()


def test_job_runs_in_another_process_and_delivers_its_result(manager):
    job = manager.submit(tiny())
    assert job.status == "running" and job.position == 0
    pid = job._child.process.pid
    assert pid != os.getpid()
    received = []
    wait_until(lambda: received.extend(job.poll()) or job.finished)
    assert job.status == "done" and job.error == "" and job.message == "finished"
    assert received == job.events and [e.step for e in received][:1] == [0] and received[-1].step == 40
    assert job.latest is received[-1] and job.result is received[-1].result
    assert job.result.steps_done == 40 and math.isfinite(job.result.value) and job.result.weights.hidden_size == 8
    assert [s.step for s in job.snapshots] == [s.step for s in job.result.snapshots] and len(job.snapshots) == 20
    assert 0 < job.startup_s < 30 and job.started_at <= job.finished_at
    wait_until(lambda: not manager.jobs, job)  # the process exits and is reaped
    assert not job.process_alive and gone(pid)


def test_stop_ends_the_child_cleanly_with_partial_weights(manager):
    job = manager.submit(tiny(**LONG))
    started_pid(job)
    job.stop(wait=30)
    assert job.status == "stopped" and "stopped after" in job.message
    assert job.result.stopped and 0 <= job.result.steps_done < LONG["steps"]
    assert job.result.weights is not None and math.isfinite(job.result.value)
    job.stop()  # stopping again is harmless
    assert job.status == "stopped"


def test_manager_queues_beyond_max_running_and_starts_in_order(manager):
    first = manager.submit(tiny(**LONG))
    second = manager.submit(tiny(seed=1))
    third = manager.submit(tiny(seed=2))
    assert [j.status for j in (first, second, third)] == ["running", "queued", "queued"]
    assert (first.position, second.position, third.position) == (0, 1, 2)
    assert manager.running == [first] and manager.waiting == [second, third]
    for _ in range(3):
        second.poll()  # polling does not start a job while the slot is taken
    assert second.status == "queued"
    first.stop()
    wait_until(lambda: second.status != "queued", second)
    assert first.finished and second.status in ("running", "done") and third.position == 1
    third.stop()  # a waiting job can be dropped before it starts
    assert third.status == "stopped" and third.position == 0 and third.result is None
    wait_until(lambda: second.finished, second)
    assert second.status == "done" and second.result.config.seed == 1
    second.poll()
    assert third.status == "stopped" and third.events == []


def test_close_kills_the_child(manager):
    job = manager.submit(tiny(**LONG))
    pid = started_pid(job)
    job.close()
    assert gone(pid) and job.status == "stopped" and not job.process_alive
    assert manager.jobs == []


def test_a_dropped_job_takes_its_process_with_it(manager):
    job = manager.submit(tiny(**LONG))
    pid = started_pid(job)
    del job
    gc.collect()
    assert gone(pid)
    manager.poll()
    assert manager.jobs == []
    nxt = manager.submit(tiny())  # the slot is free again
    assert nxt.status == "running"


def test_a_child_that_ignores_stop_is_terminated(manager, monkeypatch):
    monkeypatch.setattr(jobs, "STOP_GRACE_S", 0.2)
    monkeypatch.setattr(jobs, "KILL_GRACE_S", 0.3)
    job = manager.submit(tiny(**LONG))
    pid = started_pid(job)
    os.kill(pid, signal.SIGSTOP)  # frozen: it can neither see the stop event nor handle SIGTERM
    job.stop()
    wait_until(lambda: job.finished, job, timeout=10)
    assert job.status == "stopped" and "did not stop within" in job.message and gone(pid)


def test_a_child_that_dies_is_reported(manager):
    job = manager.submit(tiny(**LONG))
    os.kill(started_pid(job), signal.SIGKILL)
    wait_until(lambda: job.finished, job, timeout=10)
    assert job.status == "error" and "ended unexpectedly (exit code -9)" in job.error


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_errors_in_the_child_come_back_as_messages(manager):
    job = manager.submit(tiny(device="cuda"))  # only the child loads torch, so only it can find no GPU
    wait_until(lambda: job.finished, job)
    assert job.status == "error" and "ValueError" in job.error and "no CUDA GPU" in job.error


def test_bad_configs_are_refused_before_queueing(manager):
    with pytest.raises(ValueError, match="hidden_size"):
        manager.submit(tiny(hidden_size=0))
    assert manager.jobs == []
    with pytest.raises(ValueError, match="max_running"):
        JobManager(max_running=0)


def test_the_server_side_never_loads_torch():
    # every module the Compare and Memory pages import: torch runs only in the training children
    code = ("import sys, gru_viz.jobs, gru_viz.runs, gru_viz.comparison, gru_viz.memory, gru_viz.verdicts, "
            "gru_viz.compare_figures; assert 'torch' not in sys.modules; "
            "assert gru_viz.jobs.default_manager.max_running >= 1")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_children_do_not_rerun_the_parents_main_script(tmp_path):
    # under Streamlit, __main__ is the page script: spawn would execute the whole page again in every child
    marker = tmp_path / "runs.txt"
    script = tmp_path / "page.py"
    script.write_text(f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
with open({str(marker)!r}, "a") as f:
    f.write(__name__ + "\\n")
if __name__ == "__main__":
    from gru_viz.jobs import JobManager
    from gru_viz.training import TrainConfig
    job = JobManager().submit(TrainConfig(task="adding", seq_len=5, hidden_size=2, steps=2, batch_size=2,
                                          val_size=2, device="cpu"))
    while not job.finished:
        job.poll()
        time.sleep(0.02)
    print(job.status)
""")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False)
    assert proc.stdout.strip() == "done", proc.stderr
    assert marker.read_text().split() == ["__main__"]  # the parent only; no "__mp_main__" from the child


# --- several configs in one child ----------------------------------------------------------------------------

def influence_size(result) -> int:
    """An analysis run in the child after each part (module-level, so spawn can pickle it)."""
    return result.config.hidden_size * 100 + result.steps_done


def test_a_job_of_several_configs_trains_them_in_one_process_one_after_another(manager):
    configs = [tiny(seed=0), tiny(cell="lstm", hidden_size=5), tiny(cell="rnn", seed=2, steps=20)]
    job = manager.submit(configs, analyse=influence_size)
    pid = job._child.process.pid
    wait_until(lambda: job.finished, job)
    assert job.status == "done" and [p.status for p in job.parts] == ["done"] * 3
    assert [p.result.config.cell for p in job.parts] == ["gru", "lstm", "rnn"]
    assert [p.result.steps_done for p in job.parts] == [40, 40, 20] and job.steps_done == job.steps_total == 100
    assert [p.extra for p in job.parts] == [840, 540, 820]  # computed in the child, from each part's result
    # every event went to its own part, in order, and the job saw them all in arrival order
    assert all([e.step for e in p.events][0] == 0 and p.events[-1].result is p.result for p in job.parts)
    assert job.events == job.parts[0].events + job.parts[1].events + job.parts[2].events
    assert job.result is None and job.snapshots == []  # one-config shortcuts do not pick a part for you
    assert job.parts[1].events[0].elapsed_s < 5  # each part's clock starts at its own first step
    wait_until(lambda: not manager.jobs, job)
    assert gone(pid)


def test_a_failing_part_does_not_stop_the_others_and_the_job_says_which(manager):
    configs = [tiny(task="adding", lr=1e30, steps=100), tiny(seed=1, steps=20)]  # the first diverges
    job = manager.submit(configs)
    wait_until(lambda: job.finished, job)
    assert [p.status for p in job.parts] == ["error", "done"]
    assert job.status == "error" and "learning rate" in job.error and job.parts[1].result.steps_done == 20


def test_stopping_a_job_of_several_configs_skips_the_parts_not_started(manager):
    job = manager.submit([tiny(**LONG), tiny(seed=1)])
    started_pid(job)
    job.stop(wait=30)
    assert job.status == "stopped" and job.ended_by == "stop" and "stopped after" in job.message
    assert [p.status for p in job.parts] == ["stopped", "stopped"] and job.parts[1].message == "not started"
    assert job.parts[0].result is not None and job.parts[1].result is None


# --- the policy: one job per session, closed sessions, caps, budgets ------------------------------------------

class Session:
    """A simulated browser session: an Owner whose liveness the test switches off."""

    def __init__(self, name: str):
        self.open = True
        self.owner = jobs.Owner(name, alive=lambda: self.open)


@pytest.fixture
def policy():
    made = []

    def make(**settings):
        m = JobManager(**{"max_running": 1, "gone_grace_s": 0.3, "watch_every_s": 0.05, **settings})
        made.append(m)
        return m

    yield make
    for m in made:
        m.shutdown()


def test_a_sessions_second_submit_replaces_its_first(policy):
    m = policy()
    alice, bob = Session("alice"), Session("bob")
    first = m.submit(tiny(**LONG), alice.owner)
    queued = m.submit(tiny(**LONG, seed=1), bob.owner)
    again = m.submit(tiny(**LONG, seed=2), bob.owner)  # Bob's waiting job is replaced before it starts
    assert queued.status == "stopped" and queued.ended_by == "replaced" and "replaced" in queued.message
    assert again.position == 1 and m.owned(bob.owner) is again and m.waiting == [again]
    started_pid(first)
    latest = m.submit(tiny(seed=3), alice.owner)  # Alice's running job is stopped for her new one
    wait_until(lambda: first.finished, first)
    assert first.status == "stopped" and first.ended_by == "replaced" and first.result is not None
    m.poll()
    assert again.status == "running" and m.waiting == [latest]  # the new job joined the back of the line


def test_a_closed_sessions_jobs_are_cancelled_without_anyone_polling(policy):
    m = policy()
    alice, bob = Session("alice"), Session("bob")
    running = m.submit(tiny(**LONG), alice.owner)
    waiting = m.submit(tiny(**LONG, seed=1), bob.owner)
    pid = started_pid(running)
    alice.open = bob.open = False  # both tabs closed; from here on only the manager's watchdog polls
    deadline = time.monotonic() + 30
    while not (running.finished and waiting.finished):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for job in (running, waiting):
        assert job.status == "stopped" and job.ended_by == "gone"
        assert "session that asked for it has closed" in job.message
    wait_until(lambda: gone(pid), timeout=10)
    assert m.jobs == []


def test_a_session_that_comes_back_within_the_grace_keeps_its_job(policy):
    m = policy(gone_grace_s=5.0)
    alice = Session("alice")
    job = m.submit(tiny(**LONG), alice.owner)
    alice.open = False  # a network blip
    m.poll()
    time.sleep(0.2)
    alice.open = True
    time.sleep(0.3)
    m.poll()
    assert not job.finished


def test_a_collected_owner_is_a_closed_session(policy):
    m = policy(gone_grace_s=60.0)  # no grace needed: its session state is gone for good
    owner = jobs.Owner("carol")
    job = m.submit(tiny(**LONG), owner)
    del owner
    gc.collect()
    wait_until(lambda: job.finished, job, timeout=10)
    assert job.ended_by == "gone"


def test_a_run_watched_by_another_session_keeps_running(policy):
    m = policy()
    alice, bob = Session("alice"), Session("bob")
    shared = m.submit([tiny(**LONG), tiny(seed=1)], alice.owner)  # a comparison, stored for everyone
    m.watch(shared, bob.owner)  # Bob opens the page with the same settings
    started_pid(shared)
    alice.open = False
    time.sleep(1.0)
    m.poll()
    assert shared.status == "running"  # Alice has gone, Bob still looks at it
    replacement = m.submit(tiny(seed=5), bob.owner)  # Bob's own submit does not cancel a run he only watches
    m.poll()
    assert shared.status == "running" and replacement.status == "queued"
    m.unwatch(shared, bob.owner)  # Bob leaves it too: nobody holds it
    wait_until(lambda: shared.finished, shared, replacement)
    assert shared.ended_by == "gone" and "nobody is looking" in shared.message
    wait_until(lambda: replacement.status != "queued", replacement)


def test_the_queue_cap_refuses_with_an_estimate(policy):
    m = policy(max_waiting=2, budget_s=100.0)
    sessions = [Session(f"s{i}") for i in range(4)]
    first = m.submit(tiny(**LONG), sessions[0].owner)
    held = [m.submit(tiny(**LONG), s.owner) for s in sessions[1:3]]  # pages keep their jobs; so do we
    with pytest.raises(jobs.QueueFull) as refused:
        m.submit(tiny(), sessions[3].owner)
    full = refused.value
    # a place frees when the running job ends (it may train up to its 100 s budget); two budgets wait after it
    most = 100 + jobs.STARTUP_S  # a job not yet training has its start-up ahead too
    assert full.reason == "waiting" and 90 < full.retry_s <= most and 290 < full.wait_s <= 3 * most
    assert "try again in about" in str(full) and m.owned(sessions[3].owner) is None and len(m.waiting) == 2
    replaced = m.submit(tiny(seed=9), sessions[2].owner)  # a session replacing its own waiting job is never refused
    assert len(m.waiting) == 2 and m.waiting[-1] is replaced and held[1].ended_by == "replaced"
    first.stop()
    wait_until(lambda: first.finished, first)
    m.submit(tiny(), sessions[3].owner)  # a place has freed


def test_the_wait_cap_refuses_with_an_estimate_from_the_work_queued_ahead(policy):
    m = policy(max_wait_s=250.0, budget_s=100.0)
    sessions = [Session(f"s{i}") for i in range(5)]
    held = [m.submit(tiny(**LONG), sessions[0].owner)]  # up to 100 s left
    held.append(m.submit(tiny(**LONG), sessions[1].owner))  # 100 s more: would start after about 100 s
    short = m.submit(tiny(steps=100), sessions[2].owner)  # starts after about 200 s; a few seconds of work
    assert 190 < m.wait_s(short) <= 2 * (100 + jobs.STARTUP_S)
    assert m.remaining_s(short) == pytest.approx(jobs.STARTUP_S + m.estimate([short.config]))
    assert m.remaining_s(short) < 10  # the fallback rate: a short run is not counted as a whole budget
    held.append(m.submit(tiny(steps=100, seed=1), sessions[3].owner))  # still within 250 s
    held.append(m.submit(tiny(**LONG, seed=2), sessions[4].owner))  # the wait is still ~210 s: taken, adds 100 s
    with pytest.raises(jobs.QueueFull) as refused:
        m.submit(tiny(), Session("late").owner)
    assert refused.value.reason == "wait" and 300 < refused.value.wait_s < 330
    assert refused.value.retry_s == pytest.approx(refused.value.wait_s - 250)


def test_the_budget_ends_an_over_long_job_with_a_clear_message(policy):
    m = policy(budget_s=4.0)  # seconds of training: the process start (2-8 s here) is not counted
    alice = Session("alice")
    job = m.submit([tiny(**LONG), tiny(seed=1)], alice.owner)
    wait_until(lambda: job.finished, job, timeout=60)
    assert [p.message for p in job.parts][1:] == ["not started"], [p.message for p in job.parts]
    assert job.status == "stopped" and job.ended_by == "budget"
    assert job.message == "stopped after 4 s, the most one run may train on this server"
    assert job.parts[0].result.stopped and job.parts[0].result.steps_done > 0 and job.parts[1].message == "not started"
    assert 4.0 < job.training_s < 4.0 + jobs.STOP_GRACE_S + 2


def test_measured_rates_replace_the_fallback_estimate(policy):
    m = policy()
    config = tiny(steps=200)
    guess = m.estimate([config])
    assert guess == pytest.approx(200 * jobs.FALLBACK_S_PER_SEQUENCE_STEP * 16 * 20 * (1 + 8 / 64))
    job = m.submit(config)
    wait_until(lambda: job.finished, job)
    measured = job.parts[0].latest.elapsed_s / 200  # the finished run's average, validation included
    assert m.estimate([config]) == pytest.approx(200 * measured)
    # a page refuses settings by the machine's speed when it is not busy: the quicker of measured and fallback
    assert m.estimate([config], best=True) == pytest.approx(min(200 * measured, guess))


def test_many_sessions_at_once_hold_one_job_each_and_leave_nothing_behind(policy):
    m = policy(max_waiting=12, budget_s=30.0)
    sessions = [Session(f"student{i}") for i in range(30)]
    accepted, refused = [], []
    for round_ in range(2):  # every student presses Train twice
        for s in sessions:
            try:
                accepted.append(m.submit(tiny(**LONG, seed=round_), s.owner))
            except jobs.QueueFull as full:
                refused.append(full)
    live = [j for j in accepted if not j.finished]
    owners = {j._owner().name for j in live}
    assert len(live) == len(owners) == 13  # one running, twelve waiting; each a different student
    assert len(m.waiting) == 12 and all(f.retry_s > 0 and f.reason == "waiting" for f in refused)
    for s in sessions:
        s.open = False
    wait_until(lambda: all(j.finished for j in accepted), timeout=30)
    wait_until(lambda: not m.jobs, timeout=30)
    assert all(j.ended_by in ("gone", "replaced") for j in accepted)


@dataclass
class OtherConfig:
    """A config of another kind, as the text model's is: train() knows it, the queue only passes it on."""

    task: str = "flipflop"
    steps: int = 30
    seq_len: int = 12

    def validated(self):
        return self


def test_the_queue_passes_on_configs_of_other_kinds(policy):
    m = policy(budget_s=60.0, max_wait_s=600.0)
    config = OtherConfig()
    assert m.estimate([config]) > 0  # sizes it lacks count as 1: an estimate, never an AttributeError
    job = m.submit(config, Session("alice").owner)  # one config, not a TrainConfig: not taken for a list of them
    assert job.configs == (config,) and len(job.parts) == 1 and m.remaining_s(job) > 0
    job.close()
