"""The phishing check on the real MetaMask and MyEtherWallet feeds, without a database.

Expected counts and forms are computed here from the JSON with the reference IDNA
implementation (the ``idna`` package, UTS #46 mapping), independently of trustdesk's
normalization."""

from __future__ import annotations

import json
from pathlib import Path

import idna
import pytest

from tests.conftest import shared_data
from trustdesk.bot.phishing import (
    KNOWN_GOOD,
    PROTECTED,
    PhishingChecker,
    Verdict,
    find_domains,
    skeleton,
    to_unicode,
)
from trustdesk.bot.phishing_feeds import parse_feed, parse_metamask, parse_mew
from trustdesk.core.errors import InvalidInput
from trustdesk.lists.model import PHISHING, ListType


def _idna(raw: str) -> str | None:
    """The reference form of a feed entry: scheme and trailing slash off, www. off, the
    UTS #46 + IDNA 2008 encoding; None for what is not a bare domain with a 2+ letter TLD."""
    text = raw.strip().lower().split("://", 1)[-1].rstrip("/")
    if "/" in text:
        return None
    if text.startswith("www.") and text.count(".") >= 2:
        text = text[4:]
    ascii_form = idna.encode(text, uts46=True).decode("ascii")
    tld = ascii_form.rsplit(".", 1)[-1]
    return ascii_form if len(tld) >= 2 and "." in ascii_form else None


@pytest.fixture(scope="module")
def metamask_file() -> Path:
    return shared_data("metamask_phishing", "config.json")


@pytest.fixture(scope="module")
def mew_dir() -> Path:
    return shared_data("mew_darklists")


@pytest.fixture(scope="module")
def checker(metamask_file: Path, mew_dir: Path) -> PhishingChecker:
    parts = parse_metamask(metamask_file).parts + parse_mew(mew_dir).parts
    entries = [e for part in parts for e in part.parsed.entries]
    return PhishingChecker.from_entries(entries, {"metamask:fuzzylist": 2})


def test_metamask_counts_match_the_json(metamask_file: Path) -> None:
    config = json.loads(metamask_file.read_text(encoding="utf-8"))
    feed = parse_metamask(metamask_file)
    by_source = {part.source: part.parsed for part in feed.parts}
    for key, list_type, category in (
        ("blacklist", ListType.BLOCK, PHISHING),
        ("whitelist", ListType.ALLOW, KNOWN_GOOD),
        ("fuzzylist", ListType.ALLOW, PROTECTED),
    ):
        expected = {_idna(d) for d in config[key]} - {None}
        parsed = by_source[f"metamask:{key}"]
        assert {e.value for e in parsed.entries} == expected
        assert len(parsed.entries) + parsed.duplicates + len(parsed.rejected) == len(config[key])
        assert {(e.list_type, e.category) for e in parsed.entries} == {(list_type, category)}
    assert len(by_source["metamask:blacklist"].entries) == 693
    assert (
        feed.tolerances == {"metamask:fuzzylist": config["tolerance"]} == {"metamask:fuzzylist": 2}
    )


def test_mew_counts_match_the_json(mew_dir: Path) -> None:
    feed = parse_mew(mew_dir)
    by_source = {part.source: part.parsed for part in feed.parts}
    assert set(by_source) == {"mew:urls-darklist", "mew:urls-lightlist"}
    for name in ("urls-darklist", "urls-lightlist"):
        items = json.loads((mew_dir / f"{name}.json").read_text(encoding="utf-8"))
        forms = [_idna(item["id"]) for item in items]
        expected = {f for f in forms if f is not None}
        parsed = by_source[f"mew:{name}"]
        assert {e.value for e in parsed.entries} == expected
        assert len(parsed.rejected) == forms.count(None)
        assert parsed.duplicates == len(items) - len(parsed.rejected) - len(expected)
    dark = by_source["mew:urls-darklist"]
    # The two twitter.com/<account> pages and the one-letter TLD are refused, not widened.
    assert sorted(r.raw for r in dark.rejected) == [
        "myetherwallet.z",
        "twitter.com/EthereumWallets",
        "twitter.com/omise__go",
    ]
    assert "twitter.com" not in {e.value for e in dark.entries}


def test_punycode_forms_agree_with_the_feed(metamask_file: Path) -> None:
    """Every xn-- domain of the blacklist decodes and re-encodes to itself."""
    blacklist = json.loads(metamask_file.read_text(encoding="utf-8"))["blacklist"]
    punycoded = [d for d in blacklist if "xn--" in d]
    assert len(punycoded) >= 10
    for domain in punycoded:
        unicode = to_unicode(domain)
        assert unicode.isascii() is False
        assert idna.encode(unicode, uts46=True).decode("ascii") == domain
        assert find_domains(unicode)[0].host == domain


def test_known_blacklisted_domains_are_blocked(
    checker: PhishingChecker, metamask_file: Path
) -> None:
    blacklist = json.loads(metamask_file.read_text(encoding="utf-8"))["blacklist"]
    for domain in blacklist[::25]:
        [verdict] = checker.check(f"go to https://{domain}/login now")
        assert (verdict.verdict, verdict.matched) == (Verdict.BLOCKED, domain), domain
    [under] = checker.check("wallet.quantstamp-ico.com")
    assert (under.verdict, under.matched) == (Verdict.BLOCKED, "quantstamp-ico.com")
    assert under.reason.startswith("under quantstamp-ico.com, blocklisted by metamask:blacklist")


def test_mew_darklist_entries_are_blocked_with_their_comment(checker: PhishingChecker) -> None:
    [verdict] = checker.check("myetherwallet.import-tokens.com")
    assert verdict.verdict is Verdict.BLOCKED
    assert "Malicious clone: MEW" in verdict.reason


@pytest.mark.parametrize(
    ("text", "protected"),
    [
        ("rnetamask.io", "metamask.io"),
        ("https://metamask.io.evil-example.com/claim", "metamask.io"),
        ("metamask-wallet-support.com", "metamask.io"),
        ("myetherwallet-support.com", "myetherwallet.com"),
        ("metamask.org", "metamask.io"),
        ("myetherwalet.org", "myetherwallet.com"),
    ],
)
def test_lookalikes(checker: PhishingChecker, text: str, protected: str) -> None:
    [verdict] = checker.check(text)
    assert verdict.domain not in checker.blocked  # made up here, on no list
    assert (verdict.verdict, verdict.matched) == (Verdict.LOOKALIKE, protected), verdict.reason


def test_cyrillic_homoglyph_in_punycode_and_in_unicode(checker: PhishingChecker) -> None:
    cyrillic = "met\u0430mask.io"  # Cyrillic а
    punycode = idna.encode(cyrillic).decode("ascii")
    assert punycode.startswith("xn--")
    for text in (punycode, cyrillic, f"https://{cyrillic}/"):
        [verdict] = checker.check(text)
        assert verdict.domain == punycode
        assert verdict.unicode == cyrillic
        assert (verdict.verdict, verdict.matched) == (Verdict.LOOKALIKE, "metamask.io")
        assert verdict.reason.startswith("homoglyph of metamask.io")


def test_every_unicode_mew_typosquat_is_a_lookalike_without_the_mew_list(
    metamask_file: Path, mew_dir: Path
) -> None:
    """The MEW darklist's Unicode names (Greek, Cyrillic, Armenian, Cherokee, accents) are
    judged with MetaMask's allow and fuzzy lists only: no blocklist, the skeleton must
    catch them."""
    parts = parse_metamask(metamask_file).parts
    only_metamask = PhishingChecker.from_entries(
        [e for part in parts if part.source != "metamask:blacklist" for e in part.parsed.entries],
        {"metamask:fuzzylist": 2},
    )
    items = json.loads((mew_dir / "urls-darklist.json").read_text(encoding="utf-8"))
    unicode_names = [i["id"] for i in items if not i["id"].isascii()]
    assert len(unicode_names) == 125
    for name in unicode_names:
        [verdict] = only_metamask.check(name)
        assert verdict.verdict is Verdict.LOOKALIKE, (name, verdict)
        assert verdict.matched == "myetherwallet.com"


def test_genuine_domains_are_allowed(checker: PhishingChecker) -> None:
    for text, why in (
        ("metamask.io", "a protected name (metamask:fuzzylist)"),
        ("https://www.MetaMask.io./download", "a protected name (metamask:fuzzylist)"),
        ("myetherwallet.com", "a protected name (metamask:fuzzylist)"),
        ("etherscan.io", "allowlisted by metamask:whitelist"),
        ("metmask.com", "allowlisted by metamask:whitelist"),  # a real, different company
    ):
        [verdict] = checker.check(text)
        assert (verdict.verdict, verdict.reason) == (Verdict.ALLOWED, why), text
    [sub] = checker.check("support.metamask.io")
    assert (sub.verdict, sub.matched) == (Verdict.ALLOWED, "metamask.io")


def test_the_userinfo_trick_opens_the_other_host(checker: PhishingChecker) -> None:
    [verdict] = checker.check("Verify here: https://metamask.io@example-verify.net/wallet")
    assert verdict.domain == "example-verify.net"
    assert (verdict.verdict, verdict.matched) == (Verdict.LOOKALIKE, "metamask.io")
    [email] = checker.check("write to support@metamask.io")
    assert (email.domain, email.verdict) == ("metamask.io", Verdict.ALLOWED)


def test_a_chinese_sentence_with_links(checker: PhishingChecker) -> None:
    text = "客服说请访问https://metamask-airdrop.net领取空投，官网是 metamask.io。谢谢"
    verdicts = checker.check(text)
    assert [(v.domain, v.verdict) for v in verdicts] == [
        ("metamask-airdrop.net", Verdict.LOOKALIKE),
        ("metamask.io", Verdict.ALLOWED),
    ]
    assert verdicts[0].found == "https://metamask-airdrop.net"


def test_unknown_and_not_domains(checker: PhishingChecker) -> None:
    [verdict] = checker.check("see example.org")
    assert (verdict.verdict, verdict.matched) == (Verdict.UNKNOWN, None)
    assert checker.check("version 1.2.3, e.g. at 10.0.0.1, total 3.5 ETH") == []
    defanged = checker.check("reported: hxxps://rnetamask[.]io")
    assert [(v.domain, v.verdict) for v in defanged] == [("rnetamask.io", Verdict.LOOKALIKE)]


def test_normalization_of_found_hosts() -> None:
    found = find_domains(
        "WWW.Example.COM. and https://user:pw@Example.com:8443/x and ｅｘａｍｐｌｅ．com"
    )
    assert [f.host for f in found] == ["example.com"]  # one domain, found three times over
    assert find_domains("https://sub.www.example.com")[0].host == "sub.www.example.com"


def test_skeleton_maps_by_appearance() -> None:
    assert skeleton("myеtһerwаllet.com") == "myetherwallet.com"  # Cyrillic е, һ, а
    assert skeleton("mуetherwallet.com") == "myetherwallet.com"  # Cyrillic у looks like y
    assert skeleton("myetherwället.com") == "myetherwallet.com"


def test_bad_input_is_refused(metamask_file: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as too_long:
        find_domains("a" * 100_001)
    assert too_long.value.code == "phishing.too_long"
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({"blacklist": [], "whitelist": [], "fuzzylist": [], "tolerance": 9}))
    with pytest.raises(InvalidInput) as tolerance:
        parse_metamask(bad)
    assert tolerance.value.field == "tolerance"
    bad.write_text(
        json.dumps({"blacklist": "x.com", "whitelist": [], "fuzzylist": [], "tolerance": 1})
    )
    with pytest.raises(InvalidInput) as shape:
        parse_metamask(bad)
    assert shape.value.field == "blacklist"
    with pytest.raises(InvalidInput) as unknown:
        parse_feed("csv", metamask_file)
    assert unknown.value.field == "format"
