"""List importers: official sanctions files in, ParsedList out. No storage here.

A file that cannot be read as a whole raises BadListFile naming the file and the line (or
record), so a failed import changes nothing. Files are read as streams: a record at a time."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from trustdesk.compliance.model import (
    OFAC_SDN,
    UN,
    Alias,
    AliasQuality,
    BadListFile,
    BirthDate,
    CurrencyAddress,
    EntryType,
    ParsedList,
    SanctionsEntry,
)

_DOS_EOF = "\x1a"
_OFAC_EMPTY = "-0-"
_OFAC_COLUMNS = {"sdn.csv": 12, "alt.csv": 5, "add.csv": 6, "sdn_comments.csv": 2}
_OFAC_TYPES = {
    "individual": EntryType.PERSON,
    "": EntryType.ENTITY,
    "vessel": EntryType.VESSEL,
    "aircraft": EntryType.AIRCRAFT,
}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_DOB = re.compile(r"(?:^|;)\s*(?:alt\.\s+)?DOB\s+([^;]+)")
_NATIONALITY = re.compile(r"(?:^|;)\s*(?:alt\.\s+)?(?:nationality|citizen)\s+([^;]+)")
_POB = re.compile(r"(?:^|;)\s*(?:alt\.\s+)?POB\s+([^;]+)")
_WEAK_AKA = re.compile(r"a\.k\.a\.\s+'(.+?)'(?=\s*[;.]|\s*$)")
_CURRENCY = re.compile(r"Digital Currency Address - ([A-Za-z0-9]+)\s+([A-Za-z0-9]+)")
_DATE_PARTS = re.compile(r"^(?:(\d{1,2})\s+)?(?:([A-Za-z]{3})[a-z]*\.?\s+)?(\d{4})$")


# --- CSV reading ---------------------------------------------------------------------------


def _decoded_lines(file: Path, encoding: str) -> Iterator[str]:
    """Lines decoded one by one, so a bad byte is reported with its line."""
    with file.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise BadListFile(
                    f"{file.name}, line {number}: not {encoding} text "
                    f"(byte {exc.start + 1} of the line: {exc.reason})"
                ) from None
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield text.replace(_DOS_EOF, "")  # OFAC ends its files with a DOS EOF byte


def _csv_records(file: Path, encoding: str, columns: int | None) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each non-blank record; ``columns`` None takes any width."""
    if not file.is_file():
        raise BadListFile(f"{file.name} is missing (looked for {file})")
    reader = csv.reader(_decoded_lines(file, encoding), strict=True)
    while True:
        line = reader.line_num + 1  # where the next record starts (it may span lines)
        try:
            fields = next(reader, None)
        except csv.Error as exc:
            raise BadListFile(f"{file.name}, line {line}: malformed CSV ({exc})") from None
        if fields is None:
            return
        if not fields or fields == [""]:
            continue
        if columns is not None and len(fields) != columns:
            raise BadListFile(
                f"{file.name}, line {line}: expected {columns} columns, found {len(fields)}"
            )
        yield line, fields


def _ofac_value(field: str) -> str:
    value = field.strip()
    return "" if value == _OFAC_EMPTY else value


# --- OFAC SDN legacy CSV -------------------------------------------------------------------


def parse_ofac_csv_dir(path: Path, *, encoding: str = "utf-8") -> ParsedList:
    """Read an OFAC SDN release: sdn.csv, alt.csv, add.csv and (when present) sdn_comments.csv.

    alt.csv aliases are strong; the quoted a.k.a.s in remarks are OFAC's weak aliases."""
    if not path.is_dir():
        raise BadListFile(f"{path} is not a folder with sdn.csv, alt.csv and add.csv")
    rows: dict[str, list[str]] = {}
    for line, fields in _csv_records(path / "sdn.csv", encoding, _OFAC_COLUMNS["sdn.csv"]):
        rows[_ofac_id(fields[0], "sdn.csv", line)] = fields
    if not rows:
        raise BadListFile("sdn.csv has no records")
    aliases: dict[str, list[Alias]] = {}
    for ent, fields in _ofac_children(path, "alt.csv", rows, encoding):
        kind = _ofac_value(fields[2]).lower() or "aka"
        if name := _ofac_value(fields[3]):
            aliases.setdefault(ent, []).append(Alias(name, AliasQuality.STRONG, kind))
    countries: dict[str, list[str]] = {}
    for ent, fields in _ofac_children(path, "add.csv", rows, encoding):
        if country := _ofac_value(fields[4]):
            countries.setdefault(ent, []).append(country)
    extensions: dict[str, str] = {}
    files = ["sdn.csv", "alt.csv", "add.csv"]
    if (path / "sdn_comments.csv").exists():
        files.append("sdn_comments.csv")
        for ent, fields in _ofac_children(path, "sdn_comments.csv", rows, encoding):
            extensions[ent] = extensions.get(ent, "") + fields[1]
    entries = tuple(
        _ofac_entry(ent, f, aliases.get(ent, []), countries.get(ent, []), extensions.get(ent, ""))
        for ent, f in rows.items()
    )
    return ParsedList(OFAC_SDN, entries, tuple(files))


def _ofac_id(field: str, file: str, line: int) -> str:
    value = field.strip()
    if not value.isdigit():
        raise BadListFile(f"{file}, line {line}: entry number {value[:20]!r} is not a number")
    return value


def _ofac_children(
    path: Path, name: str, rows: dict[str, list[str]], encoding: str
) -> Iterator[tuple[str, list[str]]]:
    for line, fields in _csv_records(path / name, encoding, _OFAC_COLUMNS[name]):
        ent = _ofac_id(fields[0], name, line)
        if ent not in rows:
            raise BadListFile(
                f"{name}, line {line}: entry {ent} is not in sdn.csv "
                "(are the files from different releases?)"
            )
        yield ent, fields


def _ofac_entry(
    ent: str, fields: list[str], aliases: list[Alias], countries: list[str], extension: str
) -> SanctionsEntry:
    kind = _ofac_value(fields[2]).lower()
    if kind not in _OFAC_TYPES:
        raise BadListFile(f"sdn.csv: entry {ent} has an unknown type {kind[:20]!r}")
    remarks = _ofac_value(fields[11]) + extension  # the comment continues mid-word
    weak = [Alias(m.strip(), AliasQuality.WEAK) for m in _WEAK_AKA.findall(remarks) if m.strip()]
    programs = _ofac_value(fields[3])
    pobs = [m.strip().rstrip(".") for m in _POB.findall(remarks)]
    return SanctionsEntry(
        entry_id=ent,
        list=OFAC_SDN,
        type=_OFAC_TYPES[kind],
        primary_name=_ofac_value(fields[1]),
        aliases=tuple(aliases + weak),
        programs=tuple(p.strip("[] ") for p in re.split(r"\]\s*\[", programs) if p.strip("[] ")),
        dates_of_birth=tuple(d for m in _DOB.findall(remarks) if (d := _ofac_birth_date(m))),
        nationalities=_unique(m.strip().rstrip(".") for m in _NATIONALITY.findall(remarks)),
        countries=_unique([*countries, *pobs]),
        currency_addresses=tuple(CurrencyAddress(a, v) for a, v in _CURRENCY.findall(remarks)),
        remarks=remarks,
    )


def _ofac_birth_date(text: str) -> BirthDate | None:
    """'25 Mar 1977', 'Mar 1977', '1977', 'circa 1977', '1960 to 1962', '01 Jan 1960 to ...'."""
    text = text.strip().rstrip(".").strip()
    approximate = text.lower().startswith("circa")
    if approximate:
        text = text[5:].strip()
    parts = re.split(r"\s+to\s+", text)
    found = [_DATE_PARTS.match(p.strip()) for p in parts]
    if not all(found) or len(found) > 2:
        return None
    first, last = found[0], found[-1]
    assert first is not None and last is not None
    if len(found) == 2:
        return BirthDate(int(first[3]), int(last[3]), approximate=True)
    month = _MONTHS.get((first[2] or "").lower())
    day = int(first[1]) if first[1] and month else None
    return BirthDate(int(first[3]), int(first[3]), month, day, approximate)


def _unique(values: Iterator[str] | list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


# --- UN consolidated XML -------------------------------------------------------------------


def _xml_stream(path: Path, root: str, label: str) -> Iterator[tuple[str, Element]]:
    """(event, element) of a list file, once its root is known to be ``root`` (by local name,
    so any namespace passes); malformed, truncated or unsafe XML becomes BadListFile."""
    if not path.is_file():
        raise BadListFile(f"{path.name} is missing (looked for {path})")
    if path.stat().st_size == 0:
        raise BadListFile(f"{path.name} is empty")
    root_seen = False
    try:
        for event, element in iterparse(str(path), events=("start", "end")):
            if not root_seen and _local(element.tag) != root:
                raise BadListFile(
                    f"{path.name}: root element is <{_local(element.tag)[:40]}>, "
                    f"not the {label} <{root}>"
                )
            root_seen = True
            yield event, element
    except ParseError as exc:
        line, column = exc.position
        raise BadListFile(
            f"{path.name}: malformed or truncated XML at line {line}, column {column}"
        ) from None
    except DefusedXmlException as exc:
        raise BadListFile(f"{path.name}: refused unsafe XML ({type(exc).__name__})") from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse_un_xml(path: Path) -> ParsedList:
    """Read the UN Security Council consolidated list (sc-sanctions.xsd), one record at a time."""
    entries: list[SanctionsEntry] = []
    published: str | None = None
    for event, element in _xml_stream(path, "CONSOLIDATED_LIST", "UN"):
        if event == "start":
            if element.tag == "CONSOLIDATED_LIST":
                published = element.get("dateGenerated")
        elif element.tag in ("INDIVIDUAL", "ENTITY"):
            entries.append(_un_entry(element, path.name, len(entries) + 1))
            element.clear()  # keep memory flat on a large file
    if not entries:
        raise BadListFile(f"{path.name} has no INDIVIDUAL or ENTITY records")
    return ParsedList(UN, tuple(entries), (path.name,), published)


def _text(element: Element, tag: str) -> str:
    return " ".join((element.findtext(tag) or "").split())  # names may wrap over lines


def _un_entry(record: Element, file: str, number: int) -> SanctionsEntry:
    entry_id = _text(record, "DATAID")
    person = record.tag == "INDIVIDUAL"
    name = " ".join(
        t
        for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
        if (t := _text(record, tag))
    )
    if not entry_id or not name:
        raise BadListFile(f"{file}: {record.tag} record #{number} has no DATAID or no name")
    prefix = "INDIVIDUAL" if person else "ENTITY"
    aliases: list[Alias] = []
    dates = [d for d in map(_un_birth_date, record.iter("INDIVIDUAL_DATE_OF_BIRTH")) if d]
    for alias in record.iter(f"{prefix}_ALIAS"):
        if alias_name := _text(alias, "ALIAS_NAME"):
            quality = _text(alias, "QUALITY").lower()
            weak = AliasQuality.WEAK if quality == "low" else AliasQuality.STRONG
            aliases.append(Alias(alias_name, weak, "fka" if quality == "f.k.a." else "aka"))
        if alias_dob := _text(alias, "DATE_OF_BIRTH"):
            dates.extend(d for d in [_iso_birth_date(alias_dob, False)] if d)
    countries = [
        c
        for tag in (f"{prefix}_ADDRESS", "INDIVIDUAL_PLACE_OF_BIRTH")
        for place in record.iter(tag)
        if (c := _text(place, "COUNTRY"))
    ]
    return SanctionsEntry(
        entry_id=entry_id,
        list=UN,
        type=EntryType.PERSON if person else EntryType.ENTITY,
        primary_name=name,
        aliases=tuple(aliases),
        programs=_unique([_text(record, "UN_LIST_TYPE")]),
        dates_of_birth=tuple(dict.fromkeys(dates)),
        nationalities=_unique(
            [(v.text or "").strip() for v in record.iterfind("NATIONALITY/VALUE")]
        ),
        countries=_unique(countries),
        original_script_names=_unique(
            [" ".join((e.text or "").split()) for e in record.iter("NAME_ORIGINAL_SCRIPT")]
        ),
        reference=_text(record, "REFERENCE_NUMBER"),
        remarks=_text(record, "COMMENTS1"),
    )


def _un_birth_date(element: Element) -> BirthDate | None:
    kind = _text(element, "TYPE_OF_DATE").upper()
    approximate = kind == "APPROXIMATELY"
    if kind == "BETWEEN":
        low, high = _text(element, "FROM_YEAR"), _text(element, "TO_YEAR")
        return (
            BirthDate(int(low), int(high), approximate=True)
            if low.isdigit() and high.isdigit()
            else None
        )
    if date := _text(element, "DATE"):
        return _iso_birth_date(date, approximate)
    year = _text(element, "YEAR")
    return BirthDate(int(year), int(year), approximate=approximate) if year.isdigit() else None


def _iso_birth_date(text: str, approximate: bool) -> BirthDate | None:
    match = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text.strip())
    if not match:
        return None
    year = int(match[1])
    month = int(match[2]) if match[2] else None
    day = int(match[3]) if match[3] else None
    return BirthDate(year, year, month, day, approximate)


# --- OFAC SDN XML (sdn.xml) ----------------------------------------------------------------

_XML_TYPES = {
    "Individual": EntryType.PERSON,
    "Entity": EntryType.ENTITY,
    "Vessel": EntryType.VESSEL,
    "Aircraft": EntryType.AIRCRAFT,
}
_XML_ALIAS_KINDS = {"a.k.a.": "aka", "f.k.a.": "fka", "n.k.a.": "nka"}
_XML_CURRENCY = re.compile(r"Digital Currency Address - ([A-Za-z0-9]+)")
_US_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def parse_ofac_xml(path: Path) -> ParsedList:
    """Read OFAC's sdn.xml (any namespace), one sdnEntry at a time, into the entries
    parse_ofac_csv_dir gives for the same release, except ``remarks``: sdn.xml keeps only
    the free text there, its DOBs, citizenships and a.k.a.s are elements of their own."""
    entries: list[SanctionsEntry] = []
    published: str | None = None
    for event, element in _xml_stream(path, "sdnList", "OFAC"):
        if event != "end":
            continue
        name = _local(element.tag)
        if name == "Publish_Date":
            text = (element.text or "").strip()
            us = _US_DATE.match(text)  # OFAC writes MM/DD/YYYY
            published = f"{us[3]}-{us[1]}-{us[2]}" if us else text or None
        elif name == "sdnEntry":
            entries.append(_sdn_xml_entry(element, path.name, len(entries) + 1))
            element.clear()  # keep memory flat on a large file
    if not entries:
        raise BadListFile(f"{path.name} has no sdnEntry records")
    return ParsedList(OFAC_SDN, tuple(entries), (path.name,), published)


def _ns(path: str) -> str:
    """An ElementPath of local names that matches them in any (or no) namespace."""
    return "/".join(f"{{*}}{part}" for part in path.split("/"))


def _ns_text(element: Element, path: str) -> str:
    return " ".join((element.findtext(_ns(path)) or "").split())


def _ns_texts(element: Element, path: str) -> list[str]:
    return [" ".join((e.text or "").split()) for e in element.iterfind(_ns(path))]


def _ofac_name(element: Element) -> str:
    """'LAST, First' as sdn.csv and alt.csv write it; entities have a last name only."""
    names = (_ns_text(element, "lastName"), _ns_text(element, "firstName"))
    return ", ".join(n for n in names if n)


def _xml_alias(aka: Element) -> Alias | None:
    name = _ofac_name(aka)
    weak = _ns_text(aka, "category").lower() == "weak"
    kind = _XML_ALIAS_KINDS.get(_ns_text(aka, "type").lower(), "aka")
    return Alias(name, AliasQuality.WEAK if weak else AliasQuality.STRONG, kind) if name else None


def _sdn_xml_entry(record: Element, file: str, number: int) -> SanctionsEntry:
    uid, kind = _ns_text(record, "uid"), _ns_text(record, "sdnType")
    where = f"{file}: sdnEntry record #{number}"
    if not uid:
        raise BadListFile(f"{where} has no uid")
    if not uid.isdigit():
        raise BadListFile(f"{where}: uid {uid[:20]!r} is not a number")
    if not _ns_text(record, "lastName"):
        raise BadListFile(f"{where} (uid {uid}) has no lastName")
    if kind not in _XML_TYPES:
        raise BadListFile(f"{where} (uid {uid}) has an unknown sdnType {kind[:20]!r}")
    aliases = [a for aka in record.iterfind(_ns("akaList/aka")) if (a := _xml_alias(aka))]
    ids = [
        (_ns_text(i, "idType"), _ns_text(i, "idNumber")) for i in record.iterfind(_ns("idList/id"))
    ]
    dates = map(_ofac_birth_date, _ns_texts(record, "dateOfBirthList/dateOfBirthItem/dateOfBirth"))
    return SanctionsEntry(
        entry_id=uid,
        list=OFAC_SDN,
        type=_XML_TYPES[kind],
        primary_name=_ofac_name(record),
        # sdn.csv's order: alt.csv's strong aliases, then the remarks' weak ones
        aliases=tuple(sorted(aliases, key=lambda a: a.quality == AliasQuality.WEAK)),
        programs=_unique(_ns_texts(record, "programList/program")),
        dates_of_birth=tuple(d for d in dates if d),
        nationalities=_unique(
            _ns_texts(record, "nationalityList/nationality/country")
            + _ns_texts(record, "citizenshipList/citizenship/country")
        ),
        countries=_unique(
            _ns_texts(record, "addressList/address/country")
            + _ns_texts(record, "placeOfBirthList/placeOfBirthItem/placeOfBirth")
        ),
        currency_addresses=tuple(
            CurrencyAddress(m[1], id_number)
            for id_type, id_number in ids
            if (m := _XML_CURRENCY.fullmatch(id_type)) and id_number
        ),
        remarks=_ns_text(record, "remarks"),
    )


# --- generic CSV ---------------------------------------------------------------------------

_GENERIC_REQUIRED = ("id", "name")
_GENERIC_OPTIONAL = ("type", "aliases", "programs", "dates_of_birth", "nationalities", "countries")


def parse_generic_csv(path: Path, *, source: str = "custom", encoding: str = "utf-8") -> ParsedList:
    """A list of our own: a header row with ``id,name`` and any of type, aliases, programs,
    dates_of_birth (YYYY, YYYY-MM or YYYY-MM-DD), nationalities, countries. Several values in
    one cell are separated by ';'."""
    records = _csv_records(path, encoding, None)
    header_line, header = next(records, (0, []))
    columns = [h.strip().lower() for h in header]
    if not columns:
        raise BadListFile(f"{path.name} is empty")
    _check_generic_header(path.name, header_line, columns)
    entries: dict[str, SanctionsEntry] = {}
    for line, fields in records:
        if len(fields) != len(columns):
            raise BadListFile(
                f"{path.name}, line {line}: expected {len(columns)} columns, found {len(fields)}"
            )
        entry = _generic_entry(dict(zip(columns, fields, strict=True)), source, path.name, line)
        if entry.entry_id in entries:
            raise BadListFile(f"{path.name}, line {line}: id {entry.entry_id[:40]!r} is repeated")
        entries[entry.entry_id] = entry
    if not entries:
        raise BadListFile(f"{path.name} has a header but no records")
    return ParsedList(source, tuple(entries.values()), (path.name,))


def _check_generic_header(file: str, line: int, columns: list[str]) -> None:
    missing = [c for c in _GENERIC_REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in _GENERIC_REQUIRED + _GENERIC_OPTIONAL]
    if missing or unknown or len(set(columns)) != len(columns):
        raise BadListFile(
            f"{file}, line {line}: wrong columns (missing: {', '.join(missing) or 'none'}; "
            f"unknown: {', '.join(c[:30] for c in unknown) or 'none'}); expected "
            f"{', '.join(_GENERIC_REQUIRED)} and optionally {', '.join(_GENERIC_OPTIONAL)}"
        )


def _generic_entry(row: dict[str, str], source: str, file: str, line: int) -> SanctionsEntry:
    def many(column: str) -> tuple[str, ...]:
        return _unique([v.strip() for v in row.get(column, "").split(";")])

    entry_id, name = row["id"].strip(), row["name"].strip()
    if not entry_id or not name:
        raise BadListFile(f"{file}, line {line}: id and name are required")
    kind = row.get("type", "").strip().lower() or EntryType.PERSON.value
    if kind not in set(EntryType):
        raise BadListFile(
            f"{file}, line {line}: type {kind[:20]!r} is not one of {', '.join(EntryType)}"
        )
    dates = []
    for text in many("dates_of_birth"):
        date = _iso_birth_date(text, False)
        if date is None or len(text) not in (4, 7, 10):
            raise BadListFile(
                f"{file}, line {line}: date of birth {text[:20]!r} is not YYYY[-MM[-DD]]"
            )
        dates.append(date)
    return SanctionsEntry(
        entry_id=entry_id,
        list=source,
        type=EntryType(kind),
        primary_name=name,
        aliases=tuple(Alias(a) for a in many("aliases")),
        programs=many("programs"),
        dates_of_birth=tuple(dates),
        nationalities=many("nationalities"),
        countries=many("countries"),
    )
