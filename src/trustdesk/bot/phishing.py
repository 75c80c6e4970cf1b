"""Is a link in a message a phishing site? Finds the domains in any text and judges each
against block/allow lists and protected names: exact and parent-domain matches, look-alikes
within an edit distance (the idea of MetaMask's eth-phishing-detect), homoglyph skeletons,
a protected name embedded in a longer name, and the ``https://metamask.io@evil.com`` trick.

Pure: the lists come in as values (see ``phishing_store`` for loading them)."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from trustdesk.core.errors import InvalidInput
from trustdesk.lists.model import ListEntry, ListType, SubjectKind
from trustdesk.lists.subjects import normalize_domain

# List categories the phishing feeds use (lists categories are open-ended strings).
PROTECTED = "protected"  # a genuine domain whose look-alikes are flagged (MetaMask's fuzzylist)
KNOWN_GOOD = "known_good"  # a genuine domain, never flagged
DEFAULT_TOLERANCE = 2
MAX_TEXT = 100_000
MAX_DOMAINS = 200
_MIN_BRAND = 5  # shorter protected names would be "embedded" in too many innocent names


class Verdict(StrEnum):
    BLOCKED = "blocked"
    LOOKALIKE = "lookalike"
    ALLOWED = "allowed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DomainVerdict:
    """One domain found in the text. ``domain`` is the ASCII (punycode) form that lists
    store, ``unicode`` what a person sees, ``found`` the text as written, ``matched`` the
    listed or protected domain that decided the verdict."""

    domain: str
    verdict: Verdict
    matched: str | None
    reason: str
    unicode: str
    found: str


@dataclass(frozen=True)
class Listing:
    domain: str
    source: str
    reason: str = ""


@dataclass(frozen=True)
class Protected:
    domain: str
    source: str
    tolerance: int = DEFAULT_TOLERANCE

    @property
    def brand(self) -> str:
        """The name without its top-level domain, as the fuzzy match compares it."""
        return without_tld(self.domain)


@dataclass(frozen=True)
class Found:
    text: str
    host: str  # canonical ASCII form, ``www.`` stripped
    userinfo: str = ""


# --- finding domains in text -------------------------------------------------------------------

# A character of a host name: any letter or digit but CJK (Chinese text runs into a URL
# without spaces, "请访问metamask.io领取"), so Cyrillic or Greek homoglyphs stay inside.
_CJK = (
    "\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff"
)
_H = rf"[^\W_{_CJK}]"
_DOT = r"[.\u3002\uff0e\uff61]"
_LABEL = rf"{_H}(?:{_H}|-)*"
_HOST = rf"{_LABEL}(?:{_DOT}{_LABEL})+"
_CANDIDATE = re.compile(
    rf"(?<!{_H})(?<![.@-])"
    rf"(?P<scheme>[a-z][a-z0-9+.-]{{0,15}}://)?"
    rf"(?:(?P<userinfo>(?:{_H}|[.+_:~%!$&'*=-])+)@)?"
    rf"(?P<host>{_HOST})",
    re.IGNORECASE,
)
# Defanged links as people paste them in reports: metamask[.]io, hxxps://.
_DEFANG = (("[.]", "."), ("(.)", "."), ("[dot]", "."), ("hxxp", "http"))


def find_domains(text: str) -> list[Found]:
    """Every distinct domain in the text, in order of appearance, with or without a
    scheme; the host after any ``userinfo@`` is the one a browser would open."""
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            f"the text is longer than {MAX_TEXT} characters", field="text", code="phishing.too_long"
        )
    for old, new in _DEFANG:
        text = text.replace(old, new)
    found: dict[str, Found] = {}
    for match in _CANDIDATE.finditer(text):
        host = _host(match["host"])
        if host is None or host in found:
            continue
        found[host] = Found(match.group(0), host, (match["userinfo"] or "").strip())
        if len(found) >= MAX_DOMAINS:
            break
    return list(found.values())


def _host(raw: str) -> str | None:
    try:
        return normalize_domain(raw)
    except InvalidInput:
        return None  # version numbers, IP addresses, "e.g"


def parse_domain(raw: str) -> Found:
    """One domain or URL typed on its own (CLI, API); refuses anything else."""
    found = find_domains(raw.strip())
    if len(found) != 1:
        raise InvalidInput(
            f"expected one domain or URL, found {len(found)} in {raw[:100]!r}",
            field="domain",
            code="phishing.not_a_domain",
        )
    return found[0]


# --- what a domain looks like ------------------------------------------------------------------


def to_unicode(domain: str) -> str:
    """The display form: ``xn--`` labels decoded (without IDNA validation, so a malformed
    label stays as it is rather than failing)."""
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label[4:].encode("ascii").decode("punycode")
        labels.append(label)
    return ".".join(labels)


# Characters that look like a Latin letter but are not one (Cyrillic, Greek, Armenian,
# Cherokee, IPA, small capitals), by appearance, not by sound: Cyrillic "р" is "p".
_LOOKS_LIKE = str.maketrans(
    {
        **dict.fromkeys("аɑαӓ", "a"),
        **dict.fromkeys("ьв", "b"),
        **dict.fromkeys("сϲ", "c"),
        **dict.fromkeys("ԁ", "d"),
        **dict.fromkeys("еєҽεёэ", "e"),
        **dict.fromkeys("ɡց", "g"),
        **dict.fromkeys("һнհꮒᏂ", "h"),
        **dict.fromkeys("іїιıɩ", "i"),
        **dict.fromkeys("јȷ", "j"),
        **dict.fromkeys("кκ", "k"),
        **dict.fromkeys("ӏɫłƚ", "l"),
        **dict.fromkeys("мᴍɱ", "m"),
        **dict.fromkeys("пηո", "n"),
        **dict.fromkeys("оοօσө", "o"),
        **dict.fromkeys("рρ", "p"),
        **dict.fromkeys("ԛ", "q"),
        **dict.fromkeys("гɽʀɼᴦ", "r"),
        **dict.fromkeys("ѕ", "s"),
        **dict.fromkeys("тτ", "t"),
        **dict.fromkeys("υս", "u"),
        **dict.fromkeys("ν", "v"),
        **dict.fromkeys("ԝωաꮃ", "w"),
        **dict.fromkeys("хχ", "x"),
        **dict.fromkeys("уүγʏ", "y"),
    }
)
# ASCII sequences that read as another letter at a glance; used only to compare against
# protected names, never to rewrite what is shown.
_ASCII_TRICKS = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"))


def skeleton(text: str) -> str:
    """An ASCII form of a (Unicode) domain by appearance: homoglyphs mapped, accents
    dropped, anything else transliterated. ``metаmask.io`` (Cyrillic а) -> ``metamask.io``."""
    mapped = unicodedata.normalize("NFKD", text.lower().translate(_LOOKS_LIKE))
    plain = "".join(ch for ch in mapped if not unicodedata.combining(ch))
    return anyascii(plain.translate(_LOOKS_LIKE)).lower()


def ascii_tricks(text: str) -> str:
    for old, new in _ASCII_TRICKS:
        text = text.replace(old, new)
    return text


def without_tld(domain: str) -> str:
    return domain.rsplit(".", 1)[0]


def parents(domain: str) -> list[str]:
    """The domain and every parent with two or more labels: a.b.c.com -> [a.b.c.com,
    b.c.com, c.com]."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


# --- the checker -------------------------------------------------------------------------------


@dataclass
class PhishingChecker:
    """Decision order, first that applies: an exact allowlisted (or protected) domain is
    allowed, even when also blocked; the domain or a parent on the blocklist is blocked;
    a subdomain of an allowlisted or protected domain is allowed; a look-alike of a
    protected name (or a homoglyph of any allowlisted one) is a look-alike; else unknown."""

    blocked: Mapping[str, Listing] = field(default_factory=dict)
    allowed: Mapping[str, Listing] = field(default_factory=dict)
    protected: Mapping[str, Protected] = field(default_factory=dict)
    grey: Mapping[str, Listing] = field(default_factory=dict)

    @classmethod
    def from_entries(
        cls, entries: Iterable[ListEntry], tolerances: Mapping[str, int] | None = None
    ) -> PhishingChecker:
        """From global domain entries of the lists; a protected entry's tolerance is its
        source's (``tolerances``), else the default."""
        blocked: dict[str, Listing] = {}
        allowed: dict[str, Listing] = {}
        protected: dict[str, Protected] = {}
        grey: dict[str, Listing] = {}
        for e in entries:
            if e.kind is not SubjectKind.DOMAIN or e.account_id is not None:
                continue
            listing = Listing(e.value, e.source, e.reason)
            if e.list_type is ListType.BLOCK:
                blocked.setdefault(e.value, listing)
            elif e.list_type is ListType.GREY:
                grey.setdefault(e.value, listing)
            elif e.category == PROTECTED:
                tolerance = (tolerances or {}).get(e.source, DEFAULT_TOLERANCE)
                protected.setdefault(e.value, Protected(e.value, e.source, tolerance))
            else:
                allowed.setdefault(e.value, listing)
        return cls(blocked, allowed, protected, grey)

    def check(self, text: str) -> list[DomainVerdict]:
        """A verdict for every domain the text holds (none found: an empty list)."""
        return [self.judge(found) for found in find_domains(text)]

    def check_domain(self, domain: str) -> DomainVerdict:
        return self.judge(parse_domain(domain))

    def judge(self, found: Found) -> DomainVerdict:
        domain = found.host
        unicode = to_unicode(domain)

        def verdict(kind: Verdict, matched: str | None, reason: str) -> DomainVerdict:
            return DomainVerdict(domain, kind, matched, reason, unicode, found.text)

        exact = self._allowed_exact(domain)
        block = next((self.blocked[p] for p in parents(domain) if p in self.blocked), None)
        if exact is not None:
            also = f"; the blocklist entry from {block.source} is overridden" if block else ""
            return verdict(Verdict.ALLOWED, domain, exact + also)
        if block is not None:
            under = "" if block.domain == domain else f"under {block.domain}, "
            why = f": {block.reason}" if block.reason else ""
            return verdict(
                Verdict.BLOCKED, block.domain, f"{under}blocklisted by {block.source}{why}"
            )
        trick = self._userinfo_trick(found.userinfo, unicode)
        if trick is not None:
            return verdict(Verdict.LOOKALIKE, trick[0], trick[1])
        for parent in parents(domain)[1:]:
            owner = self._allowed_exact(parent)
            if owner is not None:
                return verdict(Verdict.ALLOWED, parent, f"a subdomain of {parent}: {owner}")
        lookalike = self._lookalike(domain, unicode)
        if lookalike is not None:
            return verdict(Verdict.LOOKALIKE, lookalike[0], lookalike[1])
        if domain in self.grey:
            g = self.grey[domain]
            return verdict(Verdict.UNKNOWN, domain, f"grey-listed by {g.source}: {g.reason}")
        return verdict(Verdict.UNKNOWN, None, "on no list and like no protected name")

    def _allowed_exact(self, domain: str) -> str | None:
        if domain in self.protected:
            return f"a protected name ({self.protected[domain].source})"
        if domain in self.allowed:
            return f"allowlisted by {self.allowed[domain].source}"
        return None

    def _userinfo_trick(self, userinfo: str, unicode: str) -> tuple[str, str] | None:
        # https://metamask.io@evil.com opens evil.com; the part before @ is only a user name.
        shown = userinfo.split(":", 1)[0]
        if "." not in shown:
            return None
        return shown, f"the link shows {shown} but opens {unicode} (text before @ is ignored)"

    def _lookalike(self, domain: str, unicode: str) -> tuple[str, str] | None:
        shape = skeleton(unicode)
        if shape != domain:
            target = self._allowed_exact(shape) and shape
            if target:
                return target, f"homoglyph of {target}: written with look-alike characters"
        name = without_tld(domain)
        forms = {name, without_tld(shape), without_tld(ascii_tricks(shape))}
        tokens = {t for form in forms for t in re.split(r"[.-]", form) if t}
        for p in self.protected.values():
            brand = p.brand
            distance = min(Levenshtein.distance(f, brand) for f in forms)
            if distance <= p.tolerance:
                return p.domain, _near(name, brand, distance, p)
            if len(brand) < _MIN_BRAND:
                continue
            if any(brand in form for form in forms):
                return p.domain, f"contains {brand!r} but is not {p.domain}"
            near = [t for t in tokens if Levenshtein.distance(t, brand) <= p.tolerance]
            if near:
                return p.domain, f"part {near[0]!r} is within {p.tolerance} edits of {brand!r}"
        return None


def _near(name: str, brand: str, distance: int, p: Protected) -> str:
    if name == brand:
        return f"the name of {p.domain} under another top-level domain"
    if distance == 0:
        return f"reads as {brand!r} at a glance, like {p.domain}"
    return f"{distance} edit(s) from {p.domain} (tolerance {p.tolerance})"
