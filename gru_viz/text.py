"""Real text for the character-level GRU: a corpus read from this machine's Python standard library, a fixed
character vocabulary, and the features of Python source a unit might follow (pure Python and NumPy).

The corpus needs no download: it is the source of some standard-library modules of the Python that runs the
app, found next to the `os` module, read only, in bounded amounts. The files are a fixed list (TRAIN_FILES,
HELD_OUT_FILES) present in CPython 3.11, 3.12 and 3.13; a file that is missing (another version, a trimmed
install) is skipped with a notice and replaced from a list of spares, so training and analysis still work.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# index 0 stands for every character outside printable ASCII, tab and newline (rare in the standard library)
OTHER = "\x00"
VOCAB = OTHER + "\t\n" + "".join(chr(c) for c in range(32, 127))  # 98 characters
V = len(VOCAB)
_CODE_OF = np.zeros(128, np.uint8)  # ASCII code point -> index in VOCAB (0 for control characters)
for _i, _ch in enumerate(VOCAB[1:], start=1):
    _CODE_OF[ord(_ch)] = _i

# files of the standard library, relative to its folder; every one exists in CPython 3.11, 3.12 and 3.13
TRAIN_FILES = (
    "argparse.py", "ast.py", "calendar.py", "collections/__init__.py", "configparser.py", "contextlib.py",
    "dataclasses.py", "difflib.py", "email/message.py", "fractions.py", "ftplib.py", "functools.py",
    "gettext.py", "heapq.py", "http/client.py", "inspect.py", "logging/__init__.py", "optparse.py",
    "pickle.py", "pprint.py", "shutil.py", "smtplib.py", "statistics.py", "string.py", "subprocess.py",
    "tarfile.py", "urllib/parse.py",
)
HELD_OUT_FILES = ("json/encoder.py", "textwrap.py")  # never trained on: the page's text and every correlation
# stand-ins for missing files, taken in this order; none is in another list, so held-out text stays unseen
SPARE_TRAIN_FILES = ("base64.py", "cmd.py", "codecs.py", "copy.py", "csv.py", "gzip.py", "imaplib.py",
                     "mailbox.py", "operator.py", "queue.py", "random.py", "selectors.py", "tempfile.py",
                     "threading.py", "timeit.py", "trace.py")
SPARE_HELD_OUT_FILES = ("shlex.py", "weakref.py", "sched.py", "getopt.py")
MAX_FILE_CHARS = 150_000  # read at most this much of any one file
MAX_TRAIN_CHARS = 1_500_000  # the training text is cut here (≈ 1.5 MB of uint8 codes)
MIN_TRAIN_CHARS = 200_000  # below this, spare files are added
MIN_HELD_OUT_CHARS = 4_000
ANALYSIS_CHARS = 20_000  # held-out characters that every correlation and the page use
PASSAGE_LINES = 36  # the page shows the held-out text one passage of this many lines at a time
TAB = 8  # columns per tab stop, as Python's tokenizer counts them


def stdlib_dir() -> Path:
    """The folder of this Python's standard library: where the `os` module lives."""
    where = getattr(os, "__file__", None)
    return Path(where).resolve().parent if where else Path(sysconfig.get_paths()["stdlib"])


def machine_name() -> str:
    """This computer's processor and core count, in words (to tell whether a time was measured here)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def encode(text: str) -> np.ndarray:
    """Vocabulary indices (T,) uint8 of a text; characters outside the vocabulary become 0."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")  # (T,) code points
    codes = np.zeros(points.shape, np.uint8)
    ascii_ = points < 128
    codes[ascii_] = _CODE_OF[points[ascii_]]
    return codes


def decode(codes) -> str:
    """The characters of vocabulary indices (0 shows as '¤')."""
    return "".join("¤" if c == 0 else VOCAB[c] for c in np.asarray(codes).tolist())


def _read(path: Path, limit: int) -> str:
    """At most `limit` characters of a text file, newlines made '\\n', cut after the last whole line."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        text = f.read(limit + 1)
    cut = len(text) > limit  # the file goes on: drop its last, partial line
    text = text[:limit].replace("\r\n", "\n").replace("\r", "\n")
    return text[: text.rfind("\n") + 1] if cut else text


@dataclass(frozen=True)
class Corpus:
    """Texts read from one standard-library folder, with what was used and what was missing."""

    root: str  # the standard-library folder
    files: tuple[str, ...]  # the files actually read, in order
    text: str  # their contents, one after another, each ending in a newline
    notices: tuple[str, ...]  # one sentence per missing file and what stood in for it

    @property
    def digest(self) -> str:
        """A short fingerprint of the text, to tell whether two machines read the same corpus."""
        return self.digest_of(self.text)

    @staticmethod
    def digest_of(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _collect(root: Path, wanted: tuple[str, ...], spares: tuple[str, ...], min_chars: int, max_chars: int,
             what: str) -> Corpus:
    parts, used, notices, missing = [], [], [], []
    total = 0
    spare_iter = iter(spares)

    def take(name: str) -> bool:
        nonlocal total
        path = root / name
        try:
            if not path.is_file():
                return False
            text = _read(path, min(MAX_FILE_CHARS, max_chars - total))
        except (OSError, ValueError):
            return False
        if not text.strip():
            return False
        parts.append(text if text.endswith("\n") else text + "\n")
        used.append(name)
        total += len(parts[-1])
        return True

    for name in wanted:
        if total >= max_chars:
            break
        if not take(name):
            missing.append(name)
    for name in missing:
        stand_in = next((s for s in spare_iter if take(s)), None)
        notices.append(f"{what}: {name} is not in {root}; " +
                       (f"{stand_in} was used instead." if stand_in else "no spare file could stand in."))
    while total < min_chars:  # enough files may be missing that the text is too short to learn from
        stand_in = next((s for s in spare_iter if take(s)), None)
        if stand_in is None:
            break
        notices.append(f"{what}: the text was short, so {stand_in} was added.")
    if total < min_chars:
        raise ValueError(f"{what}: only {total:,} characters of Python source were found in {root} "
                         f"(at least {min_chars:,} are needed); is this a complete Python installation?")
    return Corpus(root=str(root), files=tuple(used), text="".join(parts)[:max_chars], notices=tuple(notices))


@functools.lru_cache(maxsize=4)
def training_corpus(root: str | None = None) -> Corpus:
    """The training text: TRAIN_FILES of the standard library at root (default: this Python's)."""
    root_path = Path(root) if root else stdlib_dir()
    return _collect(root_path, TRAIN_FILES, SPARE_TRAIN_FILES, MIN_TRAIN_CHARS, MAX_TRAIN_CHARS, "training text")


@functools.lru_cache(maxsize=4)
def held_out_corpus(root: str | None = None) -> Corpus:
    """The held-out text for analysis: HELD_OUT_FILES, cut at a line end after ANALYSIS_CHARS at most."""
    root_path = Path(root) if root else stdlib_dir()
    corpus = _collect(root_path, HELD_OUT_FILES, SPARE_HELD_OUT_FILES, MIN_HELD_OUT_CHARS, ANALYSIS_CHARS + 1,
                      "held-out text")
    text = corpus.text
    if len(text) > ANALYSIS_CHARS:
        text = text[: text.rfind("\n", 0, ANALYSIS_CHARS) + 1]
    return Corpus(root=corpus.root, files=corpus.files, text=text, notices=corpus.notices)


def passages(text: str, lines: int = PASSAGE_LINES) -> list[tuple[int, int]]:
    """(start, end) character offsets of consecutive passages of `lines` lines each (the last may be shorter)."""
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n" and i + 1 < len(text)]
    bounds = starts[::lines] + [len(text)]
    return [(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]


# --- features of Python source: one value per character --------------------------------------------------
FEATURES = {  # name -> what it measures, as the page says it
    "bracket depth": "how many ( [ { are open after this character, outside strings and comments",
    "inside a string": "1 on every character of a string literal, its quotes included, else 0",
    "inside a comment": "1 from a # outside a string to the end of its line (the newline excluded), else 0",
    "indentation": "the width of the current line's leading spaces and tabs, as far as they have been read",
    "position in the line": "the column of this character (0 at the start of a line; a tab jumps to the next "
                            "multiple of 8)",
}
_OPEN, _CLOSE = "([{", ")]}"


def code_features(text: str) -> dict[str, np.ndarray]:
    """Every FEATURES value of every character of Python source text, each (T,) float64."""
    T = len(text)
    depth, string, comment, indent, column = (np.zeros(T) for _ in range(5))
    level = 0  # brackets open
    quote = ""  # the quote that closes the current string ('"', "'", '"""' or "'''"), "" outside strings
    in_comment = False
    col, width, leading = 0, 0, True  # column, indentation so far, still in the line's leading whitespace
    t = 0
    while t < T:
        ch = text[t]
        n = 1  # characters this iteration consumes, all with the same string/comment state
        is_string = False
        if quote:
            is_string = True
            if ch == "\\" and t + 1 < T:
                n = 2  # an escaped character (a newline too) never ends a string, raw strings included
            elif text.startswith(quote, t):
                n = len(quote)
                quote = ""
            elif ch == "\n" and len(quote) == 1:
                quote, is_string = "", False  # an unterminated one-line string ends at its line (a syntax error)
        elif in_comment:
            if ch == "\n":
                in_comment = False
        elif ch == "#":
            in_comment = True
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, t) else ch
            n = len(quote)
            is_string = True
        elif ch in _OPEN:
            level += 1
        elif ch in _CLOSE:
            level = max(level - 1, 0)
        for k in range(t, min(t + n, T)):
            c = text[k]
            string[k] = is_string
            comment[k] = in_comment
            depth[k] = level
            column[k] = col
            if leading and c in " \t\f":
                width = (width // TAB + 1) * TAB if c == "\t" else width + (c == " ")
            elif c != "\n":
                leading = False
            indent[k] = width
            if c == "\n":
                col, width, leading = 0, 0, True
            else:
                col = (col // TAB + 1) * TAB if c == "\t" else col + 1
        t += n
    return {"bracket depth": depth, "inside a string": string, "inside a comment": comment,
            "indentation": indent, "position in the line": column}
