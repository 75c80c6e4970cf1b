"""Phishing domain feeds in, list entries out: MetaMask's eth-phishing-detect config
(``blacklist``, ``whitelist``, ``fuzzylist``, ``tolerance``) and MyEtherWallet's URL
darklist / lightlist. No database here: each part is a ParseResult that the lists'
``sync_source`` applies, one source per part, so a re-import is a sync."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from trustdesk.bot.phishing import KNOWN_GOOD, PROTECTED
from trustdesk.core.errors import InvalidInput
from trustdesk.lists._reading import Collector, load_json
from trustdesk.lists.model import PHISHING, ListEntry, ListType, ParseResult, SubjectKind
from trustdesk.lists.subjects import normalize_domain

FORMATS = ("metamask", "mew")
MAX_TOLERANCE = 5  # beyond this, every short name is "near" a protected one
_MEW_FILES = ("urls-darklist.json", "urls-lightlist.json")


@dataclass(frozen=True)
class FeedPart:
    source: str
    parsed: ParseResult


@dataclass(frozen=True)
class Feed:
    """What one feed file (or folder) holds: its parts, and the fuzzy-match tolerance of
    the parts that list protected names."""

    parts: tuple[FeedPart, ...]
    tolerances: Mapping[str, int] = field(default_factory=dict)


def parse_feed(fmt: str, path: Path) -> Feed:
    if fmt == "metamask":
        return parse_metamask(path)
    if fmt == "mew":
        return parse_mew(path)
    raise InvalidInput(
        f"unknown phishing feed format {fmt!r}; choose one of {', '.join(FORMATS)}",
        field="format",
        code="phishing.unknown_format",
    )


def parse_metamask(path: Path, *, prefix: str = "metamask") -> Feed:
    """config.json of eth-phishing-detect; sources ``<prefix>:blacklist``, ``:whitelist``
    and ``:fuzzylist`` (protected names, compared within ``tolerance`` edits)."""
    config = load_json(path)
    if not isinstance(config, dict):
        raise InvalidInput(
            f"{path.name}: expected a JSON object with blacklist, whitelist, fuzzylist",
            code="phishing.bad_feed",
        )
    tolerance = config.get("tolerance")
    if type(tolerance) is not int or not 0 <= tolerance <= MAX_TOLERANCE:
        raise InvalidInput(
            f"{path.name}: tolerance must be a whole number 0..{MAX_TOLERANCE}, got {tolerance!r}",
            field="tolerance",
            code="phishing.bad_feed",
        )
    parts = []
    for key, list_type, category in (
        ("blacklist", ListType.BLOCK, PHISHING),
        ("whitelist", ListType.ALLOW, KNOWN_GOOD),
        ("fuzzylist", ListType.ALLOW, PROTECTED),
    ):
        items = config.get(key)
        if not isinstance(items, list):
            raise InvalidInput(
                f"{path.name}: {key} must be a JSON array of domains",
                field=key,
                code="phishing.bad_feed",
            )
        source = f"{prefix}:{key}"
        collector = Collector("; ".join)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                collector.reject(index, repr(item), "not a string", path.name)
                continue
            _add(collector, index, item, "", source, list_type, category, path.name)
        parts.append(FeedPart(source, collector.result()))
    return Feed(tuple(parts), {f"{prefix}:fuzzylist": tolerance})


def parse_mew(path: Path, *, prefix: str = "mew") -> Feed:
    """urls-darklist.json (blocked) and/or urls-lightlist.json (known good): a folder holding
    them, or one of the files. Source ``<prefix>:<file stem>``."""
    if path.is_dir():
        files = [path / name for name in _MEW_FILES if (path / name).is_file()]
        if not files:
            raise InvalidInput(
                f"{path} holds neither {' nor '.join(_MEW_FILES)}", code="phishing.bad_feed"
            )
    else:
        files = [path]
    return Feed(tuple(_mew_file(file, prefix) for file in files))


def _mew_file(path: Path, prefix: str) -> FeedPart:
    light = "lightlist" in path.name
    list_type, category = (ListType.ALLOW, KNOWN_GOOD) if light else (ListType.BLOCK, PHISHING)
    source = f"{prefix}:{path.stem}"
    data = load_json(path)
    if not isinstance(data, list):
        raise InvalidInput(
            f"{path.name}: expected a JSON array of {{id, comment}} objects",
            code="phishing.bad_feed",
        )
    collector = Collector("; ".join)
    for index, item in enumerate(data):
        raw = item.get("id") if isinstance(item, dict) else None
        if not isinstance(raw, str):
            collector.reject(index, repr(item), "no id string", path.name)
            continue
        comment = item.get("comment") if isinstance(item, dict) else None
        reason = comment.strip() if isinstance(comment, str) else ""
        _add(collector, index, raw, reason, source, list_type, category, path.name)
    return FeedPart(source, collector.result())


def _add(
    collector: Collector,
    index: int,
    raw: str,
    reason: str,
    source: str,
    list_type: ListType,
    category: str,
    file: str,
) -> None:
    try:
        domain = normalize_domain(_host_of(raw))
    except InvalidInput as exc:
        collector.reject(index, raw, exc.message, file)
        return
    entry = ListEntry(list_type, SubjectKind.DOMAIN, domain, None, source, category, "")
    collector.add(entry, reason or f"listed by {source}")


def _host_of(raw: str) -> str:
    """The host of ``https://host/`` entries; a URL with a path names one page of a shared
    site (twitter.com/someone), and listing its whole domain would block the site."""
    text = raw.strip()
    if "://" not in text and "/" not in text:
        return text
    parts = urlsplit(text if "://" in text else f"//{text}")
    if parts.path not in ("", "/") or parts.query or parts.username or not parts.hostname:
        raise InvalidInput(
            f"{raw!r} is a URL with a path, not a domain: only whole domains are listed",
            field="value",
            code="phishing.url_not_domain",
        )
    return parts.hostname
