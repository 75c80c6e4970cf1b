"""OFAC's sdn.xml: real records from the 2021-07 release, written by hand in the XML shape."""

from __future__ import annotations

from dataclasses import replace
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
    SanctionsEntry,
)
from trustdesk.compliance.sources import parse_ofac_csv_dir, parse_ofac_xml

NEW_NS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"
OLD_NS = "http://tempuri.org/sdnList.xsd"
HEAD = (
    '<?xml version="1.0" standalone="yes"?>\n<sdnList xmlns="{ns}">\n'
    "<publshInformation><Publish_Date>07/06/2021</Publish_Date>"
    "<Record_Count>4</Record_Count></publshInformation>\n"
)
XBT = (
    "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h",
    "1Kuf2Rd8mDyAViwBozGTNYnvWL8uYFrkVo",
    "13f59kUM5FU8MfTG7DCEugYarDhSD7XCoC",
    "1P3ZfGFLezzYGg9k5SVzQmnjyh7nrUmF2y",
    "1EpMiZkQVekM5ij12nMiEwttFPcDK9XhX6",
    "1JREJdZupiFhE7ZzQPtASuMCvvpXC7wRsC",
)
# The weak a.k.a. comes first here; sdn.csv puts alt.csv's strong ones first, and so does
# the parser.
BANK = """<sdnEntry><uid>306</uid><lastName>BANCO NACIONAL DE CUBA</lastName>
<sdnType>Entity</sdnType><programList><program>CUBA</program></programList>
<akaList>
 <aka><uid>219</uid><type>a.k.a.</type><category>weak</category><lastName>BNC</lastName></aka>
 <aka><uid>220</uid><type>a.k.a.</type><category>strong</category>
  <lastName>NATIONAL BANK OF CUBA</lastName></aka>
</akaList>
<addressList>
 <address><uid>199</uid><address1>Zweierstrasse 35</address1><city>Zurich CH-8022</city>
  <country>Switzerland</country></address>
 <address><uid>200</uid><address1>Avenida de Concha Espina 8</address1>
  <city>Madrid E-28036</city><country>Spain</country></address>
 <address><uid>201</uid><city>Tokyo 103</city><country>Japan</country></address>
 <address><uid>202</uid><city>Panama City</city><country>Panama</country></address>
</addressList></sdnEntry>
"""
IBEX = """<sdnEntry><uid>173</uid><lastName>ANGLO-CARIBBEAN CO., LTD.</lastName>
<sdnType>Entity</sdnType><programList><program>CUBA</program></programList>
<akaList><aka><uid>57</uid><type>a.k.a.</type><category>strong</category>
 <lastName>AVIA IMPORT</lastName></aka></akaList>
<addressList><address><uid>129</uid><address1>Ibex House, The Minories</address1>
 <city>London EC3N 1DY</city><country>United Kingdom</country></address></addressList>
</sdnEntry>
"""
LADIN_AKAS = "".join(
    f"<aka><uid>{uid}</uid><type>a.k.a.</type><category>strong</category>"
    f"<lastName>{last}</lastName><firstName>{first}</firstName></aka>"
    for uid, last, first in (
        (4227, "BIN LADIN", "Usama"),
        (4757, "BIN LADEN", "Usama"),
        (4771, "BIN LADEN", "Osama"),
        (4772, "BIN LADIN", "Osama"),
        (4773, "BIN LADIN", "Osama bin Muhammad bin Awad"),
    )
)
LADIN = f"""<sdnEntry><uid>6365</uid><firstName>Usama bin Muhammad bin Awad</firstName>
<lastName>BIN LADIN</lastName><sdnType>Individual</sdnType>
<programList><program>SDGT</program></programList>
<akaList>{LADIN_AKAS}</akaList>
<addressList><address><uid>3872</uid></address></addressList>
<dateOfBirthList>
 <dateOfBirthItem><uid>1</uid><dateOfBirth>30 Jul 1957</dateOfBirth>
  <mainEntry>true</mainEntry></dateOfBirthItem>
 <dateOfBirthItem><uid>2</uid><dateOfBirth>1958</dateOfBirth>
  <mainEntry>false</mainEntry></dateOfBirthItem>
</dateOfBirthList>
<placeOfBirthList>
 <placeOfBirthItem><uid>3</uid><placeOfBirth>Jeddah, Saudi Arabia</placeOfBirth>
  <mainEntry>true</mainEntry></placeOfBirthItem>
 <placeOfBirthItem><uid>4</uid><placeOfBirth>Yemen</placeOfBirth>
  <mainEntry>false</mainEntry></placeOfBirthItem>
</placeOfBirthList></sdnEntry>
"""
XBT_IDS = "".join(
    f"<id><uid>{90 + n}</uid><idType>Digital Currency Address - XBT</idType>"
    f"<idNumber>{address}</idNumber></id>"
    for n, address in enumerate(XBT)
)
YAN = f"""<sdnEntry><uid>25308</uid><firstName>Xiaobing</firstName><lastName>YAN</lastName>
<sdnType>Individual</sdnType><programList><program>SDNTK</program></programList>
<idList>{XBT_IDS}
 <id><uid>97</uid><idType>Chinese Commercial Code</idType><idNumber>7346 2556 0365</idNumber></id>
 <id><uid>98</uid><idType>Citizen's Card Number</idType><idNumber>421002197703250019</idNumber>
  <idCountry>China</idCountry></id>
</idList>
<akaList>
 <aka><uid>60</uid><type>a.k.a.</type><category>weak</category><lastName>ZHOU</lastName>
  <firstName>William</firstName></aka>
 <aka><uid>61</uid><type>a.k.a.</type><category>weak</category><lastName>YAN</lastName>
  <firstName>Steven</firstName></aka>
</akaList>
<addressList><address><uid>38289</uid><city>Wuhan</city><stateOrProvince>Hubei</stateOrProvince>
 <country>China</country></address></addressList>
<citizenshipList><citizenship><uid>70</uid><country>China</country>
 <mainEntry>true</mainEntry></citizenship></citizenshipList>
<dateOfBirthList><dateOfBirthItem><uid>71</uid><dateOfBirth>25 Mar 1977</dateOfBirth>
 <mainEntry>true</mainEntry></dateOfBirthItem></dateOfBirthList>
<placeOfBirthList><placeOfBirthItem><uid>72</uid>
 <placeOfBirth>Wuhan City, Hubei, China</placeOfBirth>
 <mainEntry>true</mainEntry></placeOfBirthItem></placeOfBirthList>
</sdnEntry>
"""
RECORDS = {"306": BANK, "173": IBEX, "6365": LADIN, "25308": YAN}


def sdn_xml(tmp_path: Path, *records: str, ns: str = NEW_NS, name: str = "sdn.xml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD.format(ns=ns) + "".join(records) + "</sdnList>\n", encoding="utf-8")
    return path


def csv_subset(folder: Path, keep: set[str]) -> Path:
    """The real 2021-07 CSV files cut down to the same records."""
    source = shared_data("ofac_sdn", "2021-07")
    folder.mkdir()
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        lines = (source / name).read_bytes().rstrip(b"\x1a").split(b"\n")
        wanted = [line for line in lines if line.split(b",", 1)[0].decode() in keep]
        (folder / name).write_bytes(b"\n".join(wanted) + b"\n")
    return folder


def test_real_records_parse_to_exact_entries(tmp_path: Path) -> None:
    parsed = parse_ofac_xml(sdn_xml(tmp_path, *RECORDS.values()))
    assert (parsed.source, parsed.files, parsed.published) == (
        "ofac-sdn",
        ("sdn.xml",),
        "2021-07-06",
    )
    assert [e.entry_id for e in parsed.entries] == ["306", "173", "6365", "25308"]
    entries = parsed.by_id()
    assert entries["25308"] == SanctionsEntry(
        entry_id="25308",
        list="ofac-sdn",
        type=EntryType.PERSON,
        primary_name="YAN, Xiaobing",
        aliases=(
            Alias("ZHOU, William", AliasQuality.WEAK),
            Alias("YAN, Steven", AliasQuality.WEAK),
        ),
        programs=("SDNTK",),
        dates_of_birth=(BirthDate(1977, 1977, 3, 25),),
        nationalities=("China",),
        countries=("China", "Wuhan City, Hubei, China"),
        currency_addresses=tuple(CurrencyAddress("XBT", a) for a in XBT),
    )
    assert entries["306"] == SanctionsEntry(
        entry_id="306",
        list="ofac-sdn",
        type=EntryType.ENTITY,
        primary_name="BANCO NACIONAL DE CUBA",
        aliases=(Alias("NATIONAL BANK OF CUBA"), Alias("BNC", AliasQuality.WEAK)),
        programs=("CUBA",),
        countries=("Switzerland", "Spain", "Japan", "Panama"),
    )
    ladin = entries["6365"]
    assert ladin.primary_name == "BIN LADIN, Usama bin Muhammad bin Awad"
    assert ladin.dates_of_birth == (BirthDate(1957, 1957, 7, 30), BirthDate(1958, 1958))
    assert ladin.countries == ("Jeddah, Saudi Arabia", "Yemen")  # its address has no country
    assert ladin.aliases[4] == Alias("BIN LADIN, Osama bin Muhammad bin Awad")


def test_xml_and_csv_give_the_same_entries(tmp_path: Path) -> None:
    xml = parse_ofac_xml(sdn_xml(tmp_path, *RECORDS.values())).by_id()
    csv = parse_ofac_csv_dir(csv_subset(tmp_path / "csv", set(RECORDS))).by_id()
    assert xml.keys() == csv.keys() == set(RECORDS)
    for uid, from_csv in csv.items():
        # remarks differ by design: sdn.csv packs DOBs, POBs, citizenship, weak a.k.a.s and
        # currency addresses into one remarks text; sdn.xml gives each its own element.
        assert xml[uid] == replace(from_csv, remarks=""), uid
    assert csv["306"].remarks == "a.k.a. 'BNC'."


def test_any_namespace_alias_kinds_types_and_approximate_dates(tmp_path: Path) -> None:
    records = """<sdnEntry><uid>7</uid><lastName>OLD NAME SHIP</lastName><sdnType>Vessel</sdnType>
<remarks>Vessel  Registration
 Identification IMO 1.</remarks>
<programList><program>IRAN</program><program>SDGT</program><program>IRAN</program></programList>
<akaList>
 <aka><uid>1</uid><type>f.k.a.</type><category>strong</category><lastName>FORMER</lastName></aka>
 <aka><uid>2</uid><type>n.k.a.</type><category>strong</category><lastName>LATER</lastName></aka>
</akaList></sdnEntry>
<sdnEntry><uid>8</uid><lastName>DOE</lastName><sdnType>Individual</sdnType>
<nationalityList><nationality><uid>3</uid><country>Iran</country></nationality></nationalityList>
<citizenshipList><citizenship><uid>4</uid><country>Iran</country></citizenship>
 <citizenship><uid>5</uid><country>Iraq</country></citizenship></citizenshipList>
<dateOfBirthList>
 <dateOfBirthItem><dateOfBirth>circa 1960</dateOfBirth></dateOfBirthItem>
 <dateOfBirthItem><dateOfBirth>1960 to 1962</dateOfBirth></dateOfBirthItem>
 <dateOfBirthItem><dateOfBirth>Mar 1961</dateOfBirth></dateOfBirthItem>
 <dateOfBirthItem><dateOfBirth>unknown</dateOfBirth></dateOfBirthItem>
</dateOfBirthList></sdnEntry>
<sdnEntry><uid>9</uid><lastName>JET</lastName><sdnType>Aircraft</sdnType></sdnEntry>
"""
    new = parse_ofac_xml(sdn_xml(tmp_path, records, name="new.xml"))
    old = parse_ofac_xml(sdn_xml(tmp_path, records, ns=OLD_NS, name="old.xml"))
    bare = tmp_path / "bare.xml"
    bare.write_text(
        "<sdnList><publshInformation><Publish_Date>2021-07-06</Publish_Date></publshInformation>"
        + records
        + "</sdnList>",
        encoding="utf-8",
    )
    none = parse_ofac_xml(bare)
    assert new.entries == old.entries == none.entries
    assert none.published == "2021-07-06"  # not MM/DD/YYYY: kept as written
    ship, person, jet = new.entries
    assert (ship.type, person.type, jet.type) == ("vessel", "person", "aircraft")
    assert ship.aliases == (Alias("FORMER", kind="fka"), Alias("LATER", kind="nka"))
    assert ship.programs == ("IRAN", "SDGT")
    assert ship.remarks == "Vessel Registration Identification IMO 1."
    assert person.nationalities == ("Iran", "Iraq")
    assert person.dates_of_birth == (
        BirthDate(1960, 1960, approximate=True),
        BirthDate(1960, 1962, approximate=True),
        BirthDate(1961, 1961, 3),
    )


ENTITY_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE sdnList [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<sdnList>&b;</sdnList>\n'
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # cut inside record 2: the file's last line (21) ends in "<catego", from column 46
        (
            HEAD.format(ns=NEW_NS) + BANK + IBEX[:200],
            "sdn.xml: malformed or truncated XML at line 21, column 46",
        ),
        (
            '<?xml version="1.0"?>\n<CONSOLIDATED_LIST></CONSOLIDATED_LIST>\n',
            "sdn.xml: root element is <CONSOLIDATED_LIST>, not the OFAC <sdnList>",
        ),
        (ENTITY_BOMB, "sdn.xml: refused unsafe XML (EntitiesForbidden)"),
        (
            HEAD.format(ns=OLD_NS) + BANK + IBEX.replace("<uid>173</uid>", "") + "</sdnList>",
            "sdn.xml: sdnEntry record #2 has no uid",
        ),
        (
            HEAD.format(ns=OLD_NS)
            + YAN.replace("<uid>25308</uid>", "<uid>Y1</uid>")
            + "</sdnList>",
            "sdn.xml: sdnEntry record #1: uid 'Y1' is not a number",
        ),
        (
            HEAD.format(ns=OLD_NS) + BANK.replace("Entity", "Ship") + "</sdnList>",
            "sdn.xml: sdnEntry record #1 (uid 306) has an unknown sdnType 'Ship'",
        ),
        (
            HEAD.format(ns=OLD_NS)
            + IBEX.replace("<lastName>ANGLO", "<firstName>ANGLO").replace(
                "LTD.</lastName>", "LTD.</firstName>"
            )
            + "</sdnList>",
            "sdn.xml: sdnEntry record #1 (uid 173) has no lastName",
        ),
        (HEAD.format(ns=NEW_NS) + "</sdnList>", "sdn.xml has no sdnEntry records"),
        ("", "sdn.xml is empty"),
    ],
)
def test_broken_files_name_the_file_and_record(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "sdn.xml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadListFile) as caught:
        parse_ofac_xml(path)
    assert caught.value.message == message


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadListFile, match=r"^sdn.xml is missing \(looked for "):
        parse_ofac_xml(tmp_path / "sdn.xml")
