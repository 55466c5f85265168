"""A character-level GRU as the app runs it: embedding → GRU (the NumPy core) → next-character read-out.

    x_t = E[c_t]                       the embedding row of character c_t, the GRU's input (E,)
    h_t = GRU(x_t, h_{t-1})            gru_viz.core.run_gru, the same equations as every other page
    p(c_{t+1}) = softmax(h_t V + v)    the read-out: a probability for every character of the vocabulary

NumPy only: the app server loads and runs these models without torch. Files are .npz archives of float32
arrays plus a JSON metadata string, read with allow_pickle=False.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gru_viz.core import MAX_FILE_BYTES, MAX_SIZE, GRUTrace, GRUWeights, _float_array, _read_bytes, run_gru
from gru_viz.text import VOCAB, V, encode

FORMAT = "gru_viz-char"  # metadata["format"] of these files
SHIPPED = Path(__file__).resolve().parents[1] / "assets" / "text_gru.npz"  # made by the command in README
ARRAYS = ("embedding", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "readout_weight", "readout_bias")
LN2 = math.log(2.0)


@dataclass(frozen=True)
class CharModel:
    """Embedding, GRU and read-out of a next-character model, with the facts of its training run."""

    embedding: np.ndarray  # (V, E): row c is the GRU input for character c
    weights: GRUWeights  # input_size E, hidden_size H
    readout_weight: np.ndarray  # (V, H): logits = h @ readout_weight.T + readout_bias
    readout_bias: np.ndarray  # (V,)
    metadata: dict = field(default_factory=dict)  # the run: config, metric, value, seconds, torch check...

    def __post_init__(self):
        E, H = self.weights.input_size, self.weights.hidden_size
        want = {"embedding": (V, E), "readout_weight": (V, H), "readout_bias": (V,)}
        for name, shape in want.items():
            arr = _float_array(name, getattr(self, name))
            if arr.shape != shape:
                raise ValueError(f"{name}: expected shape {shape} (vocabulary {V}, embedding {E}, hidden {H}), "
                                 f"got {arr.shape}")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name}: contains NaN or infinite values")
            arr = np.array(arr, dtype=np.float32)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    def __repr__(self) -> str:
        return f"CharModel(embed_size={self.embed_size}, hidden_size={self.hidden_size})"

    @property
    def embed_size(self) -> int:
        return self.weights.input_size

    @property
    def hidden_size(self) -> int:
        return self.weights.hidden_size

    @property
    def digest(self) -> str:
        """A short fingerprint of every parameter, for cache keys."""
        h = hashlib.sha1()
        for array in (self.embedding, *self.weights.to_pytorch_layout(), self.readout_weight, self.readout_bias):
            h.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
        return h.hexdigest()[:12]

    def trace(self, text_or_codes) -> GRUTrace:
        """Run the NumPy core over a text (or vocabulary indices (T,)) from h0 = 0: x = embedding rows."""
        codes = encode(text_or_codes) if isinstance(text_or_codes, str) else np.asarray(text_or_codes)
        if codes.ndim != 1 or codes.size == 0 or codes.min() < 0 or codes.max() >= V:
            raise ValueError(f"expected a non-empty text or 1-D vocabulary indices below {V}")
        return run_gru(self.weights.astype(np.float32), self.embedding[codes])  # x: (T, E)

    def logits(self, h: np.ndarray) -> np.ndarray:
        """Read-out scores (..., V) of states h (..., H)."""
        return np.asarray(h, np.float32) @ self.readout_weight.T + self.readout_bias

    def probabilities(self, h: np.ndarray) -> np.ndarray:
        """Next-character probabilities (..., V) after states h (..., H)."""
        z = self.logits(h).astype(np.float64)
        z -= z.max(axis=-1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=-1, keepdims=True)

    def bits_per_character(self, codes, h: np.ndarray) -> float:
        """Mean −log2 p(c_{t+1} | h_t) over t = 0 … T−2: how surprised the model is by the text, in bits."""
        codes = np.asarray(codes)
        if len(codes) < 2:
            raise ValueError("at least two characters are needed to score a prediction")
        z = self.logits(h[:-1]).astype(np.float64)  # (T-1, V)
        z -= z.max(axis=-1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        return float(-log_p[np.arange(len(codes) - 1), codes[1:]].mean() / LN2)

    @classmethod
    def untrained(cls, embed_size: int, hidden_size: int, seed: int = 0) -> CharModel:
        """A network of this size as PyTorch initialises it (embedding N(0, 1), the rest U(±1/√H)), never trained."""
        E, H = int(embed_size), int(hidden_size)
        rng = np.random.default_rng([seed, 1])
        k = 1.0 / math.sqrt(H)
        return cls(embedding=rng.standard_normal((V, E)).astype(np.float32),
                   weights=GRUWeights.random(E, H, seed=[seed, 2], dtype=np.float32),
                   readout_weight=rng.uniform(-k, k, (V, H)).astype(np.float32),
                   readout_bias=rng.uniform(-k, k, V).astype(np.float32),
                   metadata={"untrained": True, "seed": seed})

    # --- files ---------------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The model as an .npz of float32 arrays (PyTorch layout) and JSON metadata; no pickles."""
        weight_ih, weight_hh, bias_ih, bias_hh = (a.astype(np.float32) for a in self.weights.to_pytorch_layout())
        meta = {**self.metadata, "format": FORMAT, "version": 1, "vocab": VOCAB, "embed_size": self.embed_size,
                "hidden_size": self.hidden_size}
        buffer = io.BytesIO()
        np.savez(buffer, embedding=self.embedding, weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih,
                 bias_hh=bias_hh, readout_weight=self.readout_weight, readout_bias=self.readout_bias,
                 metadata=np.array(json.dumps(meta)))
        return buffer.getvalue()

    def save(self, path) -> None:
        with open(path, "wb") as f:
            f.write(self.to_bytes())

    @classmethod
    def from_file(cls, source) -> CharModel:
        """Read a file written by to_bytes/save (a path, bytes or file object); ValueError for anything else."""
        data = _read_bytes(source)
        try:
            infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:  # a corrupt version field
            raise ValueError(f"not a .npz file (a zip archive of arrays): {exc}") from None
        names = {i.filename for i in infos}
        expected = {f"{a}.npy" for a in (*ARRAYS, "metadata")}
        if names != expected:
            raise ValueError(f"not a character model of this app: expected the arrays {sorted(expected)}, "
                             f"found {sorted(names)[:10]}")
        if sum(i.file_size for i in infos) > 4 * MAX_FILE_BYTES:  # a zip bomb: refuse before inflating
            raise ValueError("the arrays in this file are far too large for a model this app can show")
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            meta = json.loads(str(arrays.pop("metadata")))
        except ValueError as exc:
            if "pickle" in str(exc).lower():
                raise ValueError("the file contains pickled Python objects, which are never loaded") from None
            raise ValueError(f"the file is damaged or not written by this app: {exc}") from None
        except Exception as exc:  # truncated members, bad headers, CRC errors
            raise ValueError(f"the file is damaged or truncated: {type(exc).__name__}: {exc}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"the metadata does not say format {FORMAT!r}: not a character model of this app")
        if meta.get("vocab") != VOCAB:
            raise ValueError("this model was trained on another character set than this app's")
        if any(a.ndim == 2 and max(a.shape) > MAX_SIZE for a in arrays.values()):
            raise ValueError(f"sizes above {MAX_SIZE} are not supported")
        weights = GRUWeights.from_pytorch_layout(arrays["weight_ih"], arrays["weight_hh"], arrays["bias_ih"],
                                                 arrays["bias_hh"])
        return cls(embedding=arrays["embedding"], weights=weights.astype(np.float32),
                   readout_weight=arrays["readout_weight"], readout_bias=arrays["readout_bias"], metadata=meta)


@dataclass(frozen=True)
class Prediction:
    """The model's guesses for the next character, and how it did on the real one."""

    top: tuple[tuple[str, float], ...]  # (character, probability), most likely first
    actual: str | None  # the real next character; None at the end of the text
    p_actual: float | None  # the probability the model gave it
    rank: int | None  # 1 when it was the best guess


def predict(model: CharModel, h_t: np.ndarray, actual: str | None, k: int = 5) -> Prediction:
    """The k likeliest next characters after state h_t (H,), and the real next character's probability and rank."""
    probs = model.probabilities(h_t)  # (V,)
    order = np.argsort(-probs, kind="stable")[:k]
    top = tuple((VOCAB[i], float(probs[i])) for i in order)
    if actual is None:
        return Prediction(top, None, None, None)
    code = int(encode(actual[:1])[0])
    return Prediction(top, actual[:1], float(probs[code]), int((probs > probs[code]).sum()) + 1)
