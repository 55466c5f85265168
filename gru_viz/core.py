"""The GRU, in NumPy: the only place in the project where its equations live.

    r = σ(x U_r + b_r + h_prev W_r + c_r)                 reset gate
    u = σ(x U_u + b_u + h_prev W_u + c_u)                 update gate
    candidate = tanh(x U_g + b_g + r ⊙ (h_prev W_g + c_g))     reset_after=True (PyTorch)
    candidate = tanh(x U_g + b_g + (r ⊙ h_prev) W_g + c_g)     reset_after=False (Cho et al.)
    h = u ⊙ h_prev + (1 − u) ⊙ candidate
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

GATES = ("r", "u", "g")  # PyTorch stacks its rows in this order: reset, update, candidate
MAX_FILE_BYTES = 8 * 1024 * 1024  # a saved model is a few KB; anything near this is not one of ours
MAX_SIZE = 4096  # largest input or hidden size a file may declare


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function that never overflows: σ(z) = (1 + tanh(z/2)) / 2."""
    return 0.5 + 0.5 * np.tanh(0.5 * np.asarray(z))


def _float_array(name: str, value) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name}: cannot be read as an array ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name}: expected numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ValueError(f"{name}: complex numbers are not allowed")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


@dataclass(frozen=True)
class GRUWeights:
    """Weights of one GRU layer, one matrix per gate, in the notation the app teaches."""

    U_r: np.ndarray  # (D, H) input → reset gate, used as x @ U_r
    U_u: np.ndarray  # (D, H) input → update gate
    U_g: np.ndarray  # (D, H) input → candidate
    W_r: np.ndarray  # (H, H) previous state → reset gate, used as h @ W_r
    W_u: np.ndarray  # (H, H) previous state → update gate
    W_g: np.ndarray  # (H, H) previous state → candidate
    b_r: np.ndarray  # (H,) input-side biases (PyTorch's bias_ih)
    b_u: np.ndarray
    b_g: np.ndarray
    c_r: np.ndarray  # (H,) recurrent-side biases (PyTorch's bias_hh)
    c_u: np.ndarray
    c_g: np.ndarray

    def __post_init__(self):
        arrays = {f.name: _float_array(f.name, getattr(self, f.name)) for f in fields(self)}
        U_r = arrays["U_r"]
        if U_r.ndim != 2 or 0 in U_r.shape:
            raise ValueError(f"U_r: expected a non-empty (input_size, hidden_size) matrix, got shape {U_r.shape}")
        D, H = U_r.shape
        expected = {"U": (D, H), "W": (H, H), "b": (H,), "c": (H,)}
        dtype = np.result_type(*arrays.values())
        for name, arr in arrays.items():
            want = expected[name[0]]
            if arr.shape != want:
                raise ValueError(f"{name}: expected shape {want} (input_size={D}, hidden_size={H}), got {arr.shape}")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name}: contains NaN or infinite values")
            arr = np.array(arr, dtype=dtype, order="C", copy=True)
            arr.flags.writeable = False  # frozen means frozen: cached weights must not change under us
            object.__setattr__(self, name, arr)

    def __reduce__(self):
        # unpickling (caches, process queues) goes back through __post_init__, so arrays stay read-only
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))

    @property
    def input_size(self) -> int:
        return self.U_r.shape[0]

    @property
    def hidden_size(self) -> int:
        return self.U_r.shape[1]

    @property
    def dtype(self) -> np.dtype:
        return self.U_r.dtype

    def __repr__(self) -> str:
        return f"GRUWeights(input_size={self.input_size}, hidden_size={self.hidden_size}, dtype={self.dtype})"

    def astype(self, dtype) -> "GRUWeights":
        """The same weights in another float dtype."""
        return GRUWeights(**{f.name: getattr(self, f.name).astype(dtype) for f in fields(self)})

    def replace(self, **changes) -> "GRUWeights":
        """A copy with some fields replaced (validated like any other)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return GRUWeights(**values)

    def as_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_pytorch_layout(cls, weight_ih, weight_hh, bias_ih=None, bias_hh=None) -> "GRUWeights":
        """From torch.nn.GRU's stacked arrays: weight_ih (3H, D), weight_hh (3H, H), biases (3H,)."""
        weight_ih = _float_array("weight_ih", weight_ih)
        weight_hh = _float_array("weight_hh", weight_hh)
        if weight_ih.ndim != 2 or weight_ih.shape[0] % 3 or weight_ih.shape[0] == 0:
            raise ValueError(f"weight_ih: expected shape (3*hidden_size, input_size), got {weight_ih.shape}")
        H = weight_ih.shape[0] // 3
        if weight_hh.shape != (3 * H, H):
            raise ValueError(f"weight_hh: expected shape {(3 * H, H)}, got {weight_hh.shape}")
        dtype = np.result_type(weight_ih, weight_hh)
        biases = []
        for name, bias in (("bias_ih", bias_ih), ("bias_hh", bias_hh)):
            bias = np.zeros(3 * H, dtype) if bias is None else _float_array(name, bias)
            if bias.shape != (3 * H,):
                raise ValueError(f"{name}: expected shape {(3 * H,)}, got {bias.shape}")
            biases.append(bias)
        parts = {}
        for k, gate in enumerate(GATES):
            rows = slice(k * H, (k + 1) * H)
            parts[f"U_{gate}"] = weight_ih[rows].T  # (D, H): torch computes x @ weight_ih.T
            parts[f"W_{gate}"] = weight_hh[rows].T  # (H, H)
            parts[f"b_{gate}"] = biases[0][rows]
            parts[f"c_{gate}"] = biases[1][rows]
        return cls(**parts)

    def to_pytorch_layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(weight_ih (3H, D), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,)), as torch.nn.GRU stores them."""
        weight_ih = np.concatenate([getattr(self, f"U_{g}").T for g in GATES])
        weight_hh = np.concatenate([getattr(self, f"W_{g}").T for g in GATES])
        bias_ih = np.concatenate([getattr(self, f"b_{g}") for g in GATES])
        bias_hh = np.concatenate([getattr(self, f"c_{g}") for g in GATES])
        return weight_ih, weight_hh, bias_ih, bias_hh

    @classmethod
    def random(cls, input_size: int, hidden_size: int, seed: int = 0, dtype=np.float64) -> "GRUWeights":
        """Drawn like PyTorch's default: every entry from U(−1/√H, 1/√H)."""
        if int(input_size) < 1 or int(hidden_size) < 1:
            raise ValueError(f"input_size and hidden_size must be at least 1, got {input_size} and {hidden_size}")
        D, H = int(input_size), int(hidden_size)
        rng = np.random.default_rng(seed)
        k = 1.0 / np.sqrt(H)
        draw = lambda *shape: rng.uniform(-k, k, size=shape).astype(dtype)  # noqa: E731
        return cls.from_pytorch_layout(draw(3 * H, D), draw(3 * H, H), draw(3 * H), draw(3 * H))

    # --- files -----------------------------------------------------------------------------
    def save(self, path, **metadata) -> None:
        """Write an .npz with the PyTorch-layout arrays and a JSON metadata string (no pickles)."""
        weight_ih, weight_hh, bias_ih, bias_hh = self.to_pytorch_layout()
        meta = {"format": "gru_viz", "version": 1, "input_size": self.input_size,
                "hidden_size": self.hidden_size, "reset_after": True, **metadata}
        np.savez(path, weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih, bias_hh=bias_hh,
                 metadata=np.array(json.dumps(meta)))

    @classmethod
    def load(cls, source) -> "GRUWeights":
        """Read a file written by save(); see load_with_metadata for the metadata."""
        return cls.load_with_metadata(source)[0]

    @classmethod
    def load_with_metadata(cls, source, *, max_hidden: int = MAX_SIZE, max_input: int = MAX_SIZE
                           ) -> tuple["GRUWeights", dict]:
        """Read weights and metadata from a path, bytes or file object; never unpickles.

        Every array's header is read before its data: only float32 / float64 arrays of the shapes a GRU
        with hidden size ≤ max_hidden and input size ≤ max_input has are ever inflated.
        """
        data = _read_bytes(source)
        try:  # NotImplementedError: a zip whose version field is corrupt
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise ValueError(f"not a .npz file (a zip archive of arrays): {exc}") from None
        expected = {"weight_ih.npy", "weight_hh.npy", "bias_ih.npy", "bias_hh.npy", "metadata.npy"}
        names = {i.filename for i in infos}
        if not {"weight_ih.npy", "weight_hh.npy"} <= names:
            raise ValueError(f"missing arrays: expected weight_ih and weight_hh, found {sorted(names)[:10]}")
        if names - expected or len(infos) != len(names):
            raise ValueError(f"unexpected entries in the file: {sorted(names - expected)[:10] or 'duplicates'}")
        # a zip bomb declares a small file that expands hugely: refuse before inflating anything
        if sum(i.file_size for i in infos) > 4 * MAX_FILE_BYTES:
            raise ValueError("the arrays in this file are far too large for a GRU this app can show")
        headers = {i.filename[:-4]: _npy_header(archive, i) for i in infos}
        meta = _read_metadata(archive, headers.pop("metadata", None))
        if meta.get("reset_after", True) is not True:
            raise ValueError("only reset_after=True models (PyTorch's convention) can be loaded")
        shape_ih, shape_hh = headers["weight_ih"][0], headers["weight_hh"][0]
        if len(shape_hh) != 2 or len(shape_ih) != 2:
            raise ValueError(f"weight_ih and weight_hh must be matrices, got shapes {shape_ih} and {shape_hh}")
        H, D = shape_hh[1], shape_ih[1]
        if not 1 <= H <= max_hidden:
            raise ValueError(f"the hidden size is {H}; this app shows GRUs with 1 to {max_hidden} units")
        if not 1 <= D <= max_input:
            raise ValueError(f"the input size is {D}; this app shows GRUs with 1 to {max_input} inputs")
        want = {"weight_ih": (3 * H, D), "weight_hh": (3 * H, H), "bias_ih": (3 * H,), "bias_hh": (3 * H,)}
        for name, (shape, _) in headers.items():
            if shape != want[name]:
                raise ValueError(f"{name}: expected shape {want[name]} for hidden size {H}, got {shape}")
        arrays = {name: _read_npy(archive, name) for name in headers}  # now small: 3H·(D + H + 2) numbers
        weights = cls.from_pytorch_layout(arrays["weight_ih"], arrays["weight_hh"],
                                          arrays.get("bias_ih"), arrays.get("bias_hh"))
        return weights, meta


MAX_METADATA_CHARS = 65_536  # a model's metadata (facts and read-out) is a few KB of JSON


def _npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple, np.dtype]:
    """(shape, dtype) from an .npy member's header, reading only the header; ValueError for anything odd."""
    name = info.filename[:-4]
    try:
        with archive.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=1000)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=1000)
            else:
                raise ValueError(f"unsupported .npy version {version}")
    except zipfile.BadZipFile as exc:
        raise ValueError(f"the file is damaged or truncated: {exc}") from None
    except (ValueError, OSError, EOFError, SyntaxError, TypeError, NotImplementedError, RuntimeError) as exc:
        raise ValueError(f"{name}: not an array this app wrote ({type(exc).__name__})") from None
    if dtype.hasobject:
        raise ValueError("the file contains pickled Python objects, which are never loaded")
    if name == "metadata":
        if dtype.kind != "U" or shape != () or dtype.itemsize > 4 * MAX_METADATA_CHARS:
            raise ValueError(f"metadata must be one JSON string of at most {MAX_METADATA_CHARS:,} characters")
    elif dtype.kind != "f" or dtype.itemsize not in (4, 8):
        raise ValueError(f"{name} holds {dtype.name} values; only float32 or float64 weights can be loaded")
    return tuple(shape), dtype


def _read_npy(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    """One member's array, whose header _npy_header has already checked."""
    try:
        with archive.open(f"{name}.npy") as f:
            return np.lib.format.read_array(f, allow_pickle=False, max_header_size=1000)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"the file is damaged or truncated: {exc}") from None
    except Exception as exc:  # truncated members, bad compressed data, CRC errors
        raise ValueError(f"the file is damaged or truncated: {type(exc).__name__}") from None


def _read_metadata(archive: zipfile.ZipFile, header) -> dict:
    """The metadata JSON object, or {} when the file has none."""
    if header is None:
        return {}
    text = str(_read_npy(archive, "metadata"))
    try:
        meta = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise ValueError(f"metadata is not valid JSON: {exc}") from None
    except RecursionError:  # [[[[...]]]] nested deeper than the parser's stack
        raise ValueError("metadata is not valid JSON: nested too deeply") from None
    if not isinstance(meta, dict):
        raise ValueError("metadata must be a JSON object")
    return meta


def _read_bytes(source) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, Path)):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ValueError(f"file is larger than {MAX_FILE_BYTES // 2**20} MB")
            data = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    elif hasattr(source, "read"):
        data = source.read(MAX_FILE_BYTES + 1)
    else:
        raise ValueError(f"cannot read weights from a {type(source).__name__}")
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"file is larger than {MAX_FILE_BYTES // 2**20} MB")
    if not data:
        raise ValueError("the file is empty")
    return data


@dataclass(frozen=True)
class GRUTrace:
    """Everything a GRU computed over a sequence; h[t] is the state after step t."""

    x: np.ndarray  # (T, D) or (B, T, D)
    h0: np.ndarray  # (H,) or (B, H)
    r: np.ndarray  # (T, H) or (B, T, H)
    u: np.ndarray
    candidate: np.ndarray
    h: np.ndarray

    @property
    def h_prev(self) -> np.ndarray:
        """The state each step started from: h0, h[0], ..., h[T-2]."""
        return np.concatenate([self.h0[..., None, :], self.h[..., :-1, :]], axis=-2)


def _check_gate_override(name: str, value, H: int):
    if value is None:
        return None
    arr = _float_array(name, value)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape != (H,)):
        raise ValueError(f"{name}: expected a number or shape ({H},), got {arr.shape}")
    if not np.all((arr >= 0) & (arr <= 1)):
        raise ValueError(f"{name}: a gate value must lie in [0, 1]")
    return arr


def run_gru(weights: GRUWeights, x, h0=None, *, reset_after: bool = True,
            r_override=None, u_override=None) -> GRUTrace:
    """Run the GRU over x (T, D) or (B, T, D), keeping every gate, candidate and state.

    r_override / u_override pin a gate to a value (a number or one per unit): "gate surgery".
    """
    x = _float_array("x", x)
    D, H = weights.input_size, weights.hidden_size
    if x.ndim not in (2, 3) or x.shape[-1] != D or x.shape[-2] == 0:
        raise ValueError(f"x: expected shape (T, {D}) or (B, T, {D}) with T ≥ 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x: contains NaN or infinite values")
    batched = x.ndim == 3
    dtype = np.result_type(x.dtype, np.float32)  # float16 is too coarse for the equations
    xb = x if batched else x[None]  # (B, T, D)
    B, T, _ = xb.shape
    if h0 is None:
        h0 = np.zeros((B, H) if batched else (H,), dtype)
    h0 = _float_array("h0", h0)
    if h0.shape != ((B, H) if batched else (H,)):
        want = f"({B}, {H})" if batched else f"({H},)"
        raise ValueError(f"h0: expected shape {want} to match x {x.shape} and hidden_size {H}, got {h0.shape}")
    if not np.all(np.isfinite(h0)):
        raise ValueError("h0: contains NaN or infinite values")
    h0 = h0.astype(dtype, copy=False)
    r_fix = _check_gate_override("r_override", r_override, H)
    u_fix = _check_gate_override("u_override", u_override, H)

    w = {k: v.astype(dtype, copy=False) for k, v in weights.as_dict().items()}
    H2 = 2 * H
    # σ(z) = ½ + ½ tanh(z/2); halving the gate pre-activations up front is exact in binary floats.
    # The loop keeps 1 − u = σ(−z_u) rather than u (negated weights): then h = h_prev + (1 − u) ⊙
    # (candidate − h_prev) costs one operation less, and u = 1 keeps h_prev exactly.
    U_ru = np.concatenate([0.5 * w["U_r"], -0.5 * w["U_u"]], axis=1)  # (D, 2H)
    b_ru = np.concatenate([0.5 * (w["b_r"] + w["c_r"]), -0.5 * (w["b_u"] + w["c_u"])])  # (2H,)
    W_ru = np.concatenate([0.5 * w["W_r"], -0.5 * w["W_u"]], axis=1)  # (H, 2H)
    W_g, c_g = w["W_g"], w["c_g"]  # (H, H), (H,): c_g stays inside r ⊙ (·) when reset_after

    # time-major: each step reads and writes contiguous (B, ·) blocks. Input projections are
    # computed a chunk of steps at a time, so their buffer stays small and warm in cache.
    x_tm = np.ascontiguousarray(np.swapaxes(xb, 0, 1))  # (T, B, D)
    chunk = max(1, min(T, 2**16 // (B * 3 * H)))
    ru = np.empty((T, B, H2), dtype)  # r and 1 − u side by side: one tanh per step for both gates
    cand = np.empty((T, B, H), dtype)
    hs = np.empty((T + 1, B, H), dtype)  # hs[0] = h0, hs[t + 1] = state after step t
    hs[0] = h0 if batched else h0[None]
    # one matmul for both gates and the candidate is cheapest while per-call overhead dominates
    fused = B < 16
    W_all = np.concatenate([W_ru, W_g], axis=1)  # (H, 3H)
    gh = np.empty((B, 3 * H), dtype)
    step = np.empty((B, H), dtype)  # scratch for (1 − u) ⊙ (candidate − h_prev)
    gh_ru, gh_g = (gh[:, :H2], gh[:, H2:]) if fused else (np.empty((B, H2), dtype), np.empty((B, H), dtype))

    for start in range(0, T, chunk):
        xs = x_tm[start:start + chunk]  # (n, B, D)
        n_steps = xs.shape[0]
        flat = xs.reshape(n_steps * B, D)  # one 2-D BLAS call per chunk
        x_ru = (flat @ U_ru).reshape(n_steps, B, H2)
        x_ru += b_ru
        x_g = (flat @ w["U_g"]).reshape(n_steps, B, H)
        x_g += w["b_g"]
        for k in range(n_steps):
            t = start + k
            h_prev = hs[t]  # (B, H)
            gates = ru[t]  # (B, 2H)
            if fused:
                np.matmul(h_prev, W_all, out=gh)
            else:
                np.matmul(h_prev, W_ru, out=gh_ru)
            np.add(x_ru[k], gh_ru, out=gates)
            np.tanh(gates, out=gates)
            gates *= 0.5
            gates += 0.5
            if r_fix is not None:
                gates[:, :H] = r_fix
            if u_fix is not None:
                gates[:, H:] = 1.0 - u_fix
            if reset_after:  # candidate = tanh(x U_g + b_g + r ⊙ (h_prev W_g + c_g))
                if not fused:
                    np.matmul(h_prev, W_g, out=gh_g)
                n = gh_g
                n += c_g
                n *= gates[:, :H]
            else:  # candidate = tanh(x U_g + b_g + (r ⊙ h_prev) W_g + c_g)
                n = (gates[:, :H] * h_prev) @ W_g  # (B, H)
                n += c_g
            n += x_g[k]
            c = cand[t]
            np.tanh(n, out=c)
            h = hs[t + 1]  # h = u ⊙ h_prev + (1 − u) ⊙ c = h_prev + (1 − u) ⊙ (c − h_prev)
            np.subtract(c, h_prev, out=step)
            step *= gates[:, H:]
            np.add(h_prev, step, out=h)

    hs = hs[1:]  # (T, B, H)
    # back to batch-major views (no copy); unbatched results are plain (T, H) arrays
    np.subtract(1.0, ru[..., H:], out=ru[..., H:])  # back from 1 − u to u, in place
    r, u = ru[..., :H], ru[..., H:]  # (T, B, H) views
    if batched:
        r, u, cand, hs = (np.swapaxes(a, 0, 1) for a in (r, u, cand, hs))
    else:
        r, u, cand, hs = (np.ascontiguousarray(a[:, 0]) for a in (r, u, cand, hs))
    return GRUTrace(x=x, h0=h0, r=r, u=u, candidate=cand, h=hs)


@dataclass(frozen=True)
class StepTerms:
    """One step taken apart: every product and sum behind r, u, the candidate and h."""

    x: np.ndarray  # (D,)
    h_prev: np.ndarray  # (H,)
    xU: dict  # gate -> (H,) x @ U_gate
    hW: dict  # gate -> (H,) h_prev @ W_gate
    b: dict  # gate -> (H,)
    c: dict  # gate -> (H,)
    r: np.ndarray  # (H,) as used (after any override)
    u: np.ndarray
    candidate: np.ndarray
    h: np.ndarray
    recurrent_g: np.ndarray  # (H,) the part of the candidate the reset gate scales
    reset_after: bool

    @property
    def pre_r(self) -> np.ndarray:
        return self.xU["r"] + self.b["r"] + self.hW["r"] + self.c["r"]

    @property
    def pre_u(self) -> np.ndarray:
        return self.xU["u"] + self.b["u"] + self.hW["u"] + self.c["u"]

    @property
    def pre_g(self) -> np.ndarray:
        return self.xU["g"] + self.b["g"] + self.recurrent_g


def explain_step(weights: GRUWeights, x_t, h_prev, *, reset_after: bool = True,
                 r_override=None, u_override=None) -> StepTerms:
    """One step with its parts, for showing the equations with real numbers."""
    x_t = np.atleast_1d(_float_array("x_t", x_t)).astype(np.float64)
    h_prev = np.atleast_1d(_float_array("h_prev", h_prev)).astype(np.float64)
    if x_t.shape != (weights.input_size,):
        raise ValueError(f"x_t: expected shape ({weights.input_size},), got {x_t.shape}")
    trace = run_gru(weights, x_t[None], h_prev, reset_after=reset_after,
                    r_override=r_override, u_override=u_override)
    w = weights.astype(np.float64)
    r = trace.r[0]
    # display only: the term inside tanh that the reset gate touches, in the chosen convention
    recurrent_g = r * (h_prev @ w.W_g + w.c_g) if reset_after else (r * h_prev) @ w.W_g + w.c_g
    return StepTerms(
        x=x_t, h_prev=h_prev,
        xU={g: x_t @ getattr(w, f"U_{g}") for g in GATES},  # (H,) each
        hW={g: h_prev @ getattr(w, f"W_{g}") for g in GATES},
        b={g: getattr(w, f"b_{g}") for g in GATES},
        c={g: getattr(w, f"c_{g}") for g in GATES},
        r=r, u=trace.u[0], candidate=trace.candidate[0], h=trace.h[0], recurrent_g=recurrent_g,
        reset_after=reset_after,
    )
