"""Labelled CSV files: good ones read exactly, bad ones refused with the reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from trustdesk.bot.intent_data import DatasetError, Example, examples_sha256, read_labelled_csv


def _write(tmp_path: Path, content: str | bytes, name: str = "d.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_reads_text_and_label_and_ignores_other_columns(tmp_path: Path) -> None:
    path = _write(
        tmp_path, 'id,text,category\n1,"Hi, where is my card?",card_arrival\n2,我的提现,x\n'
    )
    assert read_labelled_csv(path) == [
        Example("Hi, where is my card?", "card_arrival"),
        Example("我的提现", "x"),
    ]
    other = _write(tmp_path, "text,intent\nhello,greet\n", "o.csv")
    assert read_labelled_csv(other, label_column="intent") == [Example("hello", "greet")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("sentence,label\nhi,x\n", "missing text, category (header: sentence,label)"),
        ("text\nhi\n", "missing category (header: text)"),
        ("", "missing text, category (header: nothing)"),
        ("text,category\n", "no rows after the header"),
        ("text,category\nhi,\n", "line 2: empty text or category"),
        ('{"text": "hi", "category": "x"}\n', "expected a CSV with columns text,category"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a UTF-8 text CSV file"),
        (b"text,category\nhi\x00,x\n", "binary data"),
        ('text,category\n"unclosed,x\n', "not a readable CSV file"),
    ],
)
def test_bad_files_are_refused_with_the_reason(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(DatasetError) as caught:
        read_labelled_csv(path)
    assert message in caught.value.message
    assert str(path) in caught.value.message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file"):
        read_labelled_csv(tmp_path / "absent.csv")
    with pytest.raises(DatasetError, match="is a directory"):
        read_labelled_csv(tmp_path)


def test_examples_hash_is_sha256_of_label_tab_text_lines() -> None:
    expected = hashlib.sha256(b"a\tone\nb\ttwo\n").hexdigest()
    assert examples_sha256([Example("one", "a"), Example("two", "b")]) == expected
