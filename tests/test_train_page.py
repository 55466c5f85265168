"""The Train page under AppTest: a short run in a separate process, its results, save and load."""

import io
import json
import time
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from gru_viz import GRUWeights
from gru_viz.trained import TrainedModel

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_train_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    return at


def train_briefly(at: AppTest, steps: int = 20) -> AppTest:
    at.session_state["tr_T"], at.session_state["tr_H"], at.session_state["tr_steps"] = 10, 4, steps
    next(b for b in at.button if "Train" in b.label).click().run()
    deadline = time.monotonic() + 90
    while "trained_model" not in at.session_state and time.monotonic() < deadline:
        time.sleep(0.3)
        at.run()  # what the page's fragment does every half second
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_train_page_trains_in_the_background_and_shows_the_gates():
    at = train_briefly(open_train_page())
    assert any(s.value.startswith("Training finished after 20 steps") for s in at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["training steps"] == "20"
    assert float(metrics["NumPy core vs PyTorch"]) <= 1e-5
    # every figure of the page is the app's own chart element (pages/_chart.py): one plotly.js for the page
    assert not at.get("plotly_chart")
    charts = [json.loads(c.proto.json) for c in at.get("bidi_component")]
    curve, gates, saturation = charts
    assert [t["name"] for t in json.loads(curve["figure"])["data"]] == ["training loss", "validation mse"]
    assert curve["alt"] == "Learning curve up to step 20"
    gates = json.loads(gates["spec"])
    assert gates["T"] == 10 and gates["H"] == 4 and len(gates["snapshots"]) >= 2
    assert saturation["alt"] == "Gate saturation per unit"
    model = at.session_state["trained_model"]
    assert model.task == "adding" and len(model.snapshots) >= 2


def test_open_in_gates_over_time_uses_the_trained_model():
    at = train_briefly(open_train_page())
    at.button(key="trx_open").click().run()
    assert not at.exception
    assert any("trained model on an example of its task" in i.value for i in at.info)


def test_training_reuses_the_model_when_revisiting(tmp_path):
    at = train_briefly(open_train_page())
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/train.py").run()
    assert not at.exception and len(at.get("bidi_component")) == 3  # the learning curve, the gates, saturation


def test_bad_uploaded_file_shows_an_error_and_keeps_the_model():
    at = open_train_page()
    from gru_viz.training import TrainConfig  # noqa: F401  (the page imports it too)
    good = TrainedModel(weights=GRUWeights.random(2, 3, seed=0), task="adding", seq_len=20)
    at.session_state["trained_model"] = good
    at.run()
    # AppTest has no file-upload driver: exercise the page's loader on what a browser would send
    for payload in (b"", b"not a zip", b"PK\x03\x04broken", good.to_bytes()[:200]):
        try:
            TrainedModel.from_file(payload)
        except ValueError as exc:
            assert str(exc)
        else:
            raise AssertionError(f"{payload[:20]!r} was accepted")
    assert at.session_state["trained_model"] is good


def test_model_bytes_round_trip():
    model = TrainedModel(weights=GRUWeights.random(2, 3, seed=1), task="adding", seq_len=30,
                         readout_weight=np.ones((1, 3)), readout_bias=np.zeros(1), metadata={"steps": 5})
    again = TrainedModel.from_file(io.BytesIO(model.to_bytes()))
    assert again.digest == model.digest and again.task == "adding" and again.seq_len == 30
    assert again.metadata["steps"] == 5 and np.array_equal(again.readout_weight, model.readout_weight)
