"""The text corpus and the features of Python source: files, fallbacks, vocabulary, hand-made snippets."""

import glob
import shutil
from pathlib import Path

import numpy as np
import pytest

from gru_viz import text as tx
from gru_viz.text import FEATURES, code_features, decode, encode

PYTHONS = sorted(glob.glob("/root/.pyenv/versions/3.1[123].*/lib/python3.1[123]"))  # where this machine has them


def feature(source: str, name: str) -> list[int]:
    return code_features(source)[name].astype(int).tolist()


def marked(source: str, name: str) -> str:
    """The characters where a 0/1 feature is 1, the rest as '.', for readable assertions."""
    return "".join(ch if v else "." for ch, v in zip(source, code_features(source)[name]))


def test_vocabulary_round_trip_and_unknown_characters():
    assert tx.V == len(tx.VOCAB) == 98 and len(set(tx.VOCAB)) == tx.V
    source = "def f(x):\n\treturn x ~ 'é'\n"
    codes = encode(source)
    assert codes.dtype == np.uint8 and codes.shape == (len(source),)
    assert decode(codes) == source.replace("é", "¤")
    assert encode("é€\x07😀").tolist() == [0, 0, 0, 0]  # beyond printable ASCII, tab and newline
    assert encode("").shape == (0,)


def test_nested_brackets():
    source = "f(a[1], {2: (3)})\n"
    assert feature(source, "bracket depth") == [0, 1, 1, 2, 2, 1, 1, 1, 2, 2, 2, 2, 3, 3, 2, 1, 0, 0]


def test_brackets_in_strings_and_comments_do_not_count():
    source = 's = "(("  # ((\nx = (1)\n'
    depth = feature(source, "bracket depth")
    assert max(depth[:source.index("\n")]) == 0
    assert depth[source.index("(1") + 1] == 1 and depth[-1] == 0


def test_strings_with_escaped_quotes():
    source = 's = "a\\"b" + \'c\\\'d\'\n'
    assert marked(source, "inside a string") == '...."a\\"b"...\'c\\\'d\'.'


def test_comments_containing_quotes():
    source = "x = 1  # it's \"fine\"\ny = 'a'\n"
    assert marked(source, "inside a comment") == "." * 7 + "# it's \"fine\"" + "." * 9
    assert marked(source, "inside a string") == "." * source.index("'a'") + "'a'."


def test_hash_inside_a_string_is_no_comment():
    source = 'u = "#x" + y\n'
    assert feature(source, "inside a comment") == [0] * len(source)
    assert marked(source, "inside a string") == '...."#x".....'


def test_triple_quoted_strings_span_lines_and_hide_brackets():
    source = '"""a "b" \'c\'\n(d)"""\n(e)\n'
    closing = source.index('"""', 3) + 3
    assert marked(source, "inside a string") == source[:closing] + "." * (len(source) - closing)
    depth = feature(source, "bracket depth")
    assert max(depth[:closing]) == 0 and depth[source.index("(e") + 1] == 1


def test_raw_string_with_backslash_quote_and_unterminated_string():
    source = 'r"\\"" x\n"open\n(y)\n'
    string = feature(source, "inside a string")
    assert string[:5] == [0, 1, 1, 1, 1] and string[5] == 0  # r"\"" is one string; the r prefix is not in it
    assert string[source.index("open\n") + 4] == 0  # an unterminated one-line string ends at its line
    assert feature(source, "bracket depth")[source.index("(y") + 1] == 1


def test_tabs_indentation_and_column():
    source = "\tx\n  \ty z\n"
    assert feature(source, "indentation") == [8, 8, 8, 1, 2, 8, 8, 8, 8, 8]
    assert feature(source, "position in the line") == [0, 8, 9, 0, 1, 2, 8, 9, 10, 11]


def test_indentation_counts_only_what_has_been_read():
    source = "    if x:\n        y\n"
    indent = feature(source, "indentation")
    assert indent[:4] == [1, 2, 3, 4] and indent[4:10] == [4] * 6
    assert indent[10:18] == list(range(1, 9)) and indent[18:] == [8, 8]


def test_every_feature_has_a_value_per_character():
    source = Path(tx.__file__).read_text()
    features = code_features(source)
    assert list(features) == list(FEATURES)
    assert all(v.shape == (len(source),) and np.all(np.isfinite(v)) for v in features.values())
    assert features["bracket depth"].max() >= 2 and features["inside a string"].mean() > 0.05


def test_corpus_of_this_python():
    train, held = tx.training_corpus(), tx.held_out_corpus()
    assert not train.notices and not held.notices
    assert train.files == tx.TRAIN_FILES and held.files == tx.HELD_OUT_FILES
    assert tx.MIN_TRAIN_CHARS <= len(train.text) <= tx.MAX_TRAIN_CHARS
    assert tx.MIN_HELD_OUT_CHARS <= len(held.text) <= tx.ANALYSIS_CHARS and held.text.endswith("\n")
    assert "\r" not in train.text and held.text[:1000] not in train.text  # the held-out text is not trained on
    assert Path(train.root) == tx.stdlib_dir() and (tx.stdlib_dir() / "os.py").is_file()


@pytest.mark.parametrize("root", PYTHONS, ids=[Path(p).name for p in PYTHONS])
def test_every_listed_file_exists_in_python_311_312_313(root):
    assert not tx.training_corpus(root).notices and not tx.held_out_corpus(root).notices


def test_the_lists_do_not_overlap():
    lists = [tx.TRAIN_FILES, tx.HELD_OUT_FILES, tx.SPARE_TRAIN_FILES, tx.SPARE_HELD_OUT_FILES]
    names = [n for group in lists for n in group]
    assert len(names) == len(set(names))


def test_missing_files_are_named_and_replaced(tmp_path):
    source = tx.stdlib_dir()
    keep = [*tx.TRAIN_FILES[2:], *tx.SPARE_TRAIN_FILES, tx.HELD_OUT_FILES[1], *tx.SPARE_HELD_OUT_FILES]
    for name in keep:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / name, tmp_path / name)
    train, held = tx.training_corpus(str(tmp_path)), tx.held_out_corpus(str(tmp_path))
    assert len(train.notices) == 2 and tx.TRAIN_FILES[0] in train.notices[0]
    assert f"{tx.SPARE_TRAIN_FILES[0]} was used instead" in train.notices[0]
    # textwrap.py nearly fills the held-out budget; the stand-in is the first spare whose first lines fit what is
    # left (shlex.py on 3.11, weakref.py on 3.13, whose textwrap.py is 221 characters longer)
    assert held.files[0] == tx.HELD_OUT_FILES[1] and set(held.files[1:]) <= set(tx.SPARE_HELD_OUT_FILES)
    assert len(held.files) == 2 and f"{held.files[1]} was used instead" in held.notices[0]
    assert tx.HELD_OUT_FILES[0] in held.notices[0] and len(held.text) <= tx.ANALYSIS_CHARS


def test_a_folder_without_python_source_is_a_clear_error(tmp_path):
    (tmp_path / "argparse.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="only 6 characters of Python source were found"):
        tx.training_corpus(str(tmp_path))


def test_reading_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(tx, "MAX_FILE_CHARS", 1000)
    monkeypatch.setattr(tx, "MIN_HELD_OUT_CHARS", 100)
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "encoder.py").write_text("x = 1\n" * 10_000)
    (tmp_path / "textwrap.py").write_text("y = 2\r\n" * 10_000)
    held = tx.held_out_corpus.__wrapped__(str(tmp_path))
    # whole lines only, from at most 1000 characters of each file: 166 lines of 6, and 143 CRLF lines of 7
    # (the 1000th character is the last line's \r, which ends it)
    assert len(held.text) == 996 + 143 * 6 and "\r" not in held.text and held.text.endswith("y = 2\n")


def test_passages_cover_the_text_in_order():
    text = "".join(f"line {i}\n" for i in range(100))
    bounds = tx.passages(text, lines=36)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text) and len(bounds) == 3
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert text[bounds[1][0]:].startswith("line 36\n")
    assert tx.passages("no newline") == [(0, 10)]
