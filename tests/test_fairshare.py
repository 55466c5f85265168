"""Fair turns: a session that hammers a busy server waits; nobody waits on an idle one."""

from gru_viz.fairshare import FairShare


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def share(**kw):
    clock = Clock()
    return FairShare(clock=clock, **kw), clock


def test_an_idle_server_never_delays_anyone_however_much_one_session_runs():
    fair, clock = share()
    for _ in range(40):  # 40 runs of 0.1 s in 10 s: 0.4 of a core, under the busy mark of 0.5
        fair.charge("hammer", 0.1)
        clock.now += 0.25
    assert fair.delay("hammer") == 0.0


def test_on_a_busy_server_the_session_over_its_share_waits_and_the_others_do_not():
    fair, clock = share()
    for i in range(50):  # 10 s: the hammer uses 0.1 s of CPU every 0.2 s; five students 0.02 s each
        fair.charge("hammer", 0.1)
        for k in range(5):
            fair.charge(f"student{k}", 0.02)
        clock.now += 0.2
    # busy: 5 + 5 = 10 s of CPU in the window; six sessions → allowance 0.8 × 10 / 6 = 1.33 s each
    assert fair.delay("student0") == 0.0  # 1 s used
    wait = fair.delay("hammer")  # 5 s used: it waits until its runs older than ~3.7 s ago leave the window
    assert 2.0 < wait <= 5.0
    clock.now += wait
    assert fair.delay("hammer") == 0.0  # after waiting its turn it may run


def test_a_newcomer_on_a_busy_server_runs_at_once():
    fair, clock = share()
    for _ in range(20):
        fair.charge("a", 0.3)
        clock.now += 0.4
    assert fair.delay("a") == 0.0  # alone, 'a' may use all the server can do (6 s of 8)
    assert fair.delay("new") == 0.0  # a newcomer has used nothing
    fair.charge("new", 0.05)
    assert fair.delay("a") > 0.0  # now two share it: 6 s is over 0.8 × 10 / 2


def test_old_runs_leave_the_window_and_the_delay_is_capped():
    fair, clock = share(max_delay_s=2.0)
    fair.charge("a", 30.0)  # one enormous run
    assert fair.delay("a") == 2.0  # capped, though its run leaves the window only in 10 s
    clock.now += 10.0
    assert fair.delay("a") == 0.0
    fair.charge("a", -5.0)  # a clock that went backwards charges nothing
    assert fair.delay("a") == 0.0


def test_a_page_that_waited_its_turn_says_why(monkeypatch):
    """app.py asks for the delay before every run, sleeps it off and tells the student when it was a second or more."""
    from streamlit.testing.v1 import AppTest

    from gru_viz import fairshare

    monkeypatch.setattr(fairshare.classroom, "delay", lambda session: 1.0)
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    assert not at.exception
    assert [t.value for t in at.toast] == ["The server is busy: this page waited 1 s so that everyone gets a turn."]
    monkeypatch.setattr(fairshare.classroom, "delay", lambda session: 0.0)
    assert not at.run().toast  # an idle server says nothing
