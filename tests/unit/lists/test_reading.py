from __future__ import annotations

from pathlib import Path

import pytest

from trustdesk.core.errors import InvalidInput, NotFound
from trustdesk.lists._reading import iter_csv_records, load_json_array, read_text


def test_csv_records_carry_the_line_they_start_on() -> None:
    text = 'h1,h2\na,b\n\nc,"multi\nline"\nd,e\n'
    records = [(r.line, r.fields) for r in iter_csv_records(text)]
    assert records == [
        (1, ["h1", "h2"]),
        (2, ["a", "b"]),
        (4, ["c", "multi\nline"]),
        (6, ["d", "e"]),
    ]


def test_unclosed_quote_refuses_only_its_line() -> None:
    text = 'h1,h2\na,"broken\nc,d\ne,f\n'
    records = list(iter_csv_records(text))
    assert [(r.line, r.fields) for r in records] == [
        (1, ["h1", "h2"]),
        (2, None),
        (3, ["c", "d"]),
        (4, ["e", "f"]),
    ]
    assert records[1].raw == 'a,"broken'
    assert records[1].error.startswith("malformed CSV")


def test_crlf_lines() -> None:
    records = list(iter_csv_records("h1,h2\r\na,b\r\n"))
    assert [(r.line, r.fields, r.raw) for r in records] == [
        (1, ["h1", "h2"], "h1,h2"),
        (2, ["a", "b"], "a,b"),
    ]


def test_bad_encoding_names_the_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b"list_type,kind\nblock,ip\xff\n")
    with pytest.raises(InvalidInput) as err:
        read_text(path)
    assert err.value.code == "lists.bad_encoding"
    assert "byte 23, line 2" in err.value.message


def test_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n")
    assert read_text(path) == "a,b\n"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFound) as err:
        read_text(tmp_path / "nope.csv")
    assert err.value.code == "lists.file_not_found"


@pytest.mark.parametrize(
    ("content", "code", "fragment"),
    [
        ('["a", ', "lists.bad_json", "line 1, column 7"),
        ('{"a": 1}', "lists.bad_format", "expected a JSON array, got dict"),
    ],
)
def test_json_errors(tmp_path: Path, content: str, code: str, fragment: str) -> None:
    path = tmp_path / "list.json"
    path.write_text(content)
    with pytest.raises(InvalidInput) as err:
        load_json_array(path)
    assert err.value.code == code
    assert fragment in err.value.message
