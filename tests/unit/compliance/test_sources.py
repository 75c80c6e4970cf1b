from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import shared_data
from trustdesk.compliance.model import (
    Alias,
    AliasQuality,
    BadListFile,
    BirthDate,
    CurrencyAddress,
    EntryType,
    ParsedList,
)
from trustdesk.compliance.sources import parse_generic_csv, parse_ofac_csv_dir, parse_un_xml
from trustdesk.core.errors import DomainError

EMPTY = "-0- "
SDN_ROW = '{ent},"{name}",{kind},"{program}",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,{remarks}'
UN_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST dateGenerated="2026-01-02">\n'
UN_PERSON = """<INDIVIDUALS><INDIVIDUAL>
<DATAID>1</DATAID><FIRST_NAME>ERIC</FIRST_NAME><SECOND_NAME>BADEGE</SECOND_NAME>
<UN_LIST_TYPE>DRC</UN_LIST_TYPE><REFERENCE_NUMBER>CDi.001</REFERENCE_NUMBER>
<NATIONALITY><VALUE>Democratic Republic of the Congo</VALUE></NATIONALITY>
<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Badege</ALIAS_NAME></INDIVIDUAL_ALIAS>
<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1970</FROM_YEAR>
<TO_YEAR>1971</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
</INDIVIDUAL></INDIVIDUALS>
"""


def sdn_row(
    ent: int, name: str, kind: str = EMPTY, program: str = "SDGT", remarks: str = EMPTY
) -> str:
    kind = f'"{kind}"' if kind != EMPTY else kind
    remarks = f'"{remarks}"' if remarks != EMPTY else remarks
    return SDN_ROW.format(ent=ent, name=name, kind=kind, program=program, remarks=remarks)


def ofac_folder(
    folder: Path, sdn: list[str], alt: list[str] | None = None, add: list[str] | None = None
) -> Path:
    """Files as OFAC publishes them: CRLF, no header, a DOS EOF byte on the last line."""
    for name, rows in (("sdn.csv", sdn), ("alt.csv", alt or []), ("add.csv", add or [])):
        (folder / name).write_bytes(("\r\n".join(rows) + "\r\n\x1a").encode())
    return folder


# --- OFAC SDN, real files ------------------------------------------------------------------


@pytest.fixture(scope="module")
def ofac() -> ParsedList:
    return parse_ofac_csv_dir(shared_data("ofac_sdn", "2021-07"))


@pytest.fixture(scope="module")
def un() -> ParsedList:
    return parse_un_xml(shared_data("un_consolidated", "UN_consolidated.xml"))


def test_ofac_release_counts(ofac: ParsedList) -> None:
    # Figures from shared/data/ofac_sdn/PROVENANCE.md.
    assert ofac.source == "ofac-sdn"
    assert ofac.files == ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
    assert len(ofac.entries) == 8976
    assert Counter(e.type for e in ofac.entries) == {
        EntryType.PERSON: 4620,
        EntryType.ENTITY: 3673,
        EntryType.VESSEL: 406,
        EntryType.AIRCRAFT: 277,
    }
    strong = Counter(a.kind for e in ofac.entries for a in e.aliases if a.quality == "strong")
    assert strong == {"aka": 11523, "fka": 369, "nka": 18}
    assert sum(1 for e in ofac.entries if e.currency_addresses) == 15


def test_ofac_entry_fields(ofac: ParsedList) -> None:
    yan = ofac.by_id()["25308"]
    assert (yan.primary_name, yan.type, yan.programs) == ("YAN, Xiaobing", "person", ("SDNTK",))
    assert yan.dates_of_birth == (BirthDate(1977, 1977, 3, 25),)
    assert yan.nationalities == ("China",)
    assert yan.countries == ("China", "Wuhan City, Hubei, China")  # add.csv, place of birth
    assert yan.aliases == (
        Alias("ZHOU, William", AliasQuality.WEAK),
        Alias("YAN, Steven", AliasQuality.WEAK),
    )
    assert yan.currency_addresses[0] == CurrencyAddress("XBT", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h")
    assert len(yan.currency_addresses) == 6

    bank = ofac.by_id()["306"]
    assert bank.aliases == (Alias("NATIONAL BANK OF CUBA"), Alias("BNC", AliasQuality.WEAK))
    assert bank.countries == ("Switzerland", "Spain", "Japan", "Panama")  # add.csv
    assert ofac.by_id()["4697"].programs == ("FTO", "SDGT", "SYRIA")


def test_ofac_remarks_continue_in_the_comments_file(ofac: ParsedList) -> None:
    # sdn.csv cuts entry 29703 at "Digital Currency Addres"; sdn_comments.csv goes on "s - ETH".
    addresses = ofac.by_id()["29703"].currency_addresses
    assert CurrencyAddress("ETH", "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c") in addresses
    assert addresses[-1] == CurrencyAddress("BSV", "12sjrrhoFEsedNRhtgwvvRqjFTh8fZTDX9")


# --- UN consolidated, real file --------------------------------------------------------------


def test_un_list_counts(un: ParsedList) -> None:
    path = shared_data("un_consolidated", "UN_consolidated.xml")
    raw = path.read_text(encoding="utf-8")
    assert un.source == "un"
    assert un.published == "2026-02-27T00:00:09.554Z"
    assert Counter(e.type for e in un.entries) == {EntryType.PERSON: 730, EntryType.ENTITY: 273}
    # Independent counts, by regular expression over the file.
    assert sum(len(e.original_script_names) for e in un.entries) == len(
        re.findall(r"<NAME_ORIGINAL_SCRIPT>\s*\S", raw)
    )
    weak = sum(a.quality == "weak" for e in un.entries for a in e.aliases)
    assert weak == len(re.findall(r"<QUALITY>Low</QUALITY>\s*<ALIAS_NAME>\S", raw)) == 615


def test_un_entry_fields(un: ParsedList) -> None:
    saddam = un.by_id()["6908048"]
    assert saddam.primary_name == "SADDAM HUSSEIN AL-TIKRITI"
    assert saddam.original_script_names == ("صدام حسين التكريتي",)
    assert (saddam.reference, saddam.programs) == ("IQi.001", ("Iraq",))
    assert saddam.dates_of_birth == (BirthDate(1937, 1937, 4, 28),)
    assert saddam.aliases == (Alias("Abu Ali", AliasQuality.WEAK),)
    adf = un.by_id()["6908402"]
    assert [(a.name, a.kind) for a in adf.aliases][:2] == [
        ("Allied Democratic Forces", "aka"),
        ("Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda", "fka"),
    ]
    # a name written over two lines in the file is one line here
    assert "أمیر محمد سعید عبد الرحمن السلبي" in {
        n for e in un.entries for n in e.original_script_names
    }


# --- OFAC, files built here --------------------------------------------------------------


def test_ofac_dates_of_birth_in_remarks(tmp_path: Path) -> None:
    remarks = "DOB 25 Mar 1977; alt. DOB 1962; DOB circa 1955; DOB 1960 to 1962; DOB Mar 1960."
    ofac_folder(tmp_path, [sdn_row(1, "DOE, John", "individual", remarks=remarks)])
    (entry,) = parse_ofac_csv_dir(tmp_path).entries
    assert entry.dates_of_birth == (
        BirthDate(1977, 1977, 3, 25),
        BirthDate(1962, 1962),
        BirthDate(1955, 1955, approximate=True),
        BirthDate(1960, 1962, approximate=True),
        BirthDate(1960, 1960, 3),
    )


def test_ofac_latin1_release_reads_with_its_encoding(tmp_path: Path) -> None:
    (tmp_path / "sdn.csv").write_bytes(
        (sdn_row(7, "MÜLLER, Jörg", "individual") + "\r\n").encode("latin-1")
    )
    (tmp_path / "alt.csv").write_bytes(b"\x1a")
    (tmp_path / "add.csv").write_bytes(b"")
    assert (
        parse_ofac_csv_dir(tmp_path, encoding="latin-1").entries[0].primary_name == "MÜLLER, Jörg"
    )
    with pytest.raises(BadListFile) as caught:
        parse_ofac_csv_dir(tmp_path)
    assert caught.value.message == (
        "sdn.csv, line 1: not utf-8 text (byte 5 of the line: invalid continuation byte)"
    )


@pytest.mark.parametrize(
    ("sdn", "alt", "message"),
    [
        ([sdn_row(1, "A"), "2,B,-0- "], [], "sdn.csv, line 2: expected 12 columns, found 3"),
        ([], [], "sdn.csv has no records"),
        (
            [sdn_row(1, "A")],
            ['9,1,"aka","B",-0- '],
            "alt.csv, line 1: entry 9 is not in sdn.csv (are the files from different releases?)",
        ),
        ([sdn_row(1, "A")], ['1,1,"aka","B"'], "alt.csv, line 1: expected 5 columns, found 4"),
        (
            ['x1,"A",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '],
            [],
            "sdn.csv, line 1: entry number 'x1' is not a number",
        ),
        ([sdn_row(1, "A", "submarine")], [], "sdn.csv: entry 1 has an unknown type 'submarine'"),
        (
            [sdn_row(1, "A"), '2,"unclosed'],
            [],
            "sdn.csv, line 2: malformed CSV (unexpected end of data)",
        ),
    ],
)
def test_broken_ofac_files(tmp_path: Path, sdn: list[str], alt: list[str], message: str) -> None:
    ofac_folder(tmp_path, sdn, alt)
    with pytest.raises(BadListFile) as caught:
        parse_ofac_csv_dir(tmp_path)
    assert caught.value.message == message
    assert caught.value.code == "compliance.bad_list_file"
    assert isinstance(caught.value, DomainError)


def test_bad_bytes_are_reported_with_their_line(tmp_path: Path) -> None:
    ofac_folder(tmp_path, [sdn_row(1, "A"), sdn_row(2, "B")])
    data = (tmp_path / "sdn.csv").read_bytes().replace(b'"B"', b'"\xff"')
    (tmp_path / "sdn.csv").write_bytes(data)
    with pytest.raises(BadListFile) as caught:
        parse_ofac_csv_dir(tmp_path)
    assert caught.value.message.startswith("sdn.csv, line 2: not utf-8 text (byte 4 of the line")


def test_an_ofac_release_needs_its_three_files(tmp_path: Path) -> None:
    ofac_folder(tmp_path, [sdn_row(1, "A")])
    (tmp_path / "add.csv").unlink()
    with pytest.raises(BadListFile, match=r"^add.csv is missing"):
        parse_ofac_csv_dir(tmp_path)
    with pytest.raises(BadListFile, match="is not a folder"):
        parse_ofac_csv_dir(tmp_path / "sdn.csv")


# --- UN, files built here ------------------------------------------------------------------


def test_small_un_file(tmp_path: Path) -> None:
    path = tmp_path / "un.xml"
    path.write_text(UN_HEAD + UN_PERSON + "</CONSOLIDATED_LIST>\n", encoding="utf-8")
    parsed = parse_un_xml(path)
    assert parsed.published == "2026-01-02"
    (entry,) = parsed.entries
    assert (entry.entry_id, entry.primary_name, entry.reference) == ("1", "ERIC BADEGE", "CDi.001")
    assert entry.aliases == (Alias("Badege", AliasQuality.WEAK),)
    assert entry.dates_of_birth == (BirthDate(1970, 1971, approximate=True),)
    assert entry.nationalities == ("Democratic Republic of the Congo",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # cut in the middle of a record: line 4 is the last line written
        (UN_HEAD + UN_PERSON[:60], "un.xml: malformed or truncated XML at line 4, column 34"),
        (UN_HEAD, "un.xml: malformed or truncated XML at line 3, column 0"),
        (
            '<?xml version="1.0"?>\n<sdnList></sdnList>\n',
            "un.xml: root element is <sdnList>, not the UN <CONSOLIDATED_LIST>",
        ),
        (UN_HEAD + "</CONSOLIDATED_LIST>\n", "un.xml has no INDIVIDUAL or ENTITY records"),
        (
            UN_HEAD + "<INDIVIDUALS><INDIVIDUAL><DATAID>5</DATAID></INDIVIDUAL></INDIVIDUALS>"
            "</CONSOLIDATED_LIST>",
            "un.xml: INDIVIDUAL record #1 has no DATAID or no name",
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaa">]>\n<CONSOLIDATED_LIST>&a;'
            "</CONSOLIDATED_LIST>",
            "un.xml: refused unsafe XML (EntitiesForbidden)",
        ),
    ],
)
def test_broken_un_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "un.xml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadListFile) as caught:
        parse_un_xml(path)
    assert caught.value.message == message


def test_un_file_with_a_bad_byte_or_nothing_in_it(tmp_path: Path) -> None:
    path = tmp_path / "un.xml"
    path.write_bytes(
        (UN_HEAD + UN_PERSON + "</CONSOLIDATED_LIST>").encode().replace(b"ERIC", b"ER\xffC")
    )
    with pytest.raises(BadListFile, match=r"^un.xml: malformed or truncated XML at line 4, column"):
        parse_un_xml(path)
    path.write_bytes(b"")
    with pytest.raises(BadListFile, match=r"^un.xml is empty$"):
        parse_un_xml(path)


# --- generic CSV ---------------------------------------------------------------------------


def test_generic_csv(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text(
        "id,name,type,aliases,programs,dates_of_birth,countries\n"
        "a1,Jane Roe,person,J. Roe;Janet Roe,INTERNAL,1980-02-29;1981,FR\n"
        "b2,Roe Holdings Ltd,entity,,,,\n",
        encoding="utf-8",
    )
    parsed = parse_generic_csv(path, source="bank-internal")
    first, second = parsed.entries
    assert first.list == "bank-internal"
    assert first.aliases == (Alias("J. Roe"), Alias("Janet Roe"))
    assert first.dates_of_birth == (BirthDate(1980, 1980, 2, 29), BirthDate(1981, 1981))
    assert (second.type, second.aliases, second.countries) == (EntryType.ENTITY, (), ())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "own.csv is empty"),
        ("id,name\n", "own.csv has a header but no records"),
        (
            "id,nmae\n1,x\n",
            "own.csv, line 1: wrong columns (missing: name; unknown: nmae); "
            "expected id, name and optionally type, aliases, programs, dates_of_birth, "
            "nationalities, countries",
        ),
        ("id,name\n1,x,extra\n", "own.csv, line 2: expected 2 columns, found 3"),
        ("id,name\n1,x\n1,y\n", "own.csv, line 3: id '1' is repeated"),
        (
            "id,name,dates_of_birth\n1,x,25/03/1977\n",
            "own.csv, line 2: date of birth '25/03/1977' is not YYYY[-MM[-DD]]",
        ),
        (
            "id,name,type\n1,x,robot\n",
            "own.csv, line 2: type 'robot' is not one of person, entity, vessel, aircraft",
        ),
        ("id,name\n1,\n", "own.csv, line 2: id and name are required"),
    ],
)
def test_broken_generic_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "own.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadListFile) as caught:
        parse_generic_csv(path)
    assert caught.value.message == message
