"""Training jobs in child processes: results, stopping, the FIFO queue, and no process left behind."""

import gc
import math
import os
import signal
import subprocess
import sys
import time
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
    code = ("import sys, gru_viz.jobs; assert 'torch' not in sys.modules; "
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
