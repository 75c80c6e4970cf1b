"""Macros: canned replies per language, with placeholders, as data.

The shipped set is ``policies/macros.toml``; operators add or override texts in the
``support_macros`` table (per macro and language). A text is a ``str.format`` template whose
fields may only be the names in ``PLACEHOLDERS`` — no attribute or index access, no format
spec, no conversion — so a template can print values and nothing else. ``{{`` and ``}}``
are literal braces.

A macro is rendered in the ticket's language (its primary subtag: ``zh-Hant`` -> ``zh``);
a macro without that language falls back to English and says so.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from string import Formatter
from types import MappingProxyType
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trustdesk.core.errors import InvalidInput, NotFound

DEFAULT_PATH: Final = Path(__file__).resolve().parents[1] / "policies" / "macros.toml"
FALLBACK: Final = "en"
MAX_TEXT: Final = 20_000  # a macro becomes a message: the same limit
MAX_VALUE: Final = 300
MACRO_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
LANGUAGE_RE: Final = re.compile(r"[a-z]{2,3}")

# What a template may name, and what fills it in.
PLACEHOLDERS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "customer_name": "the customer's display name",
        "ticket_id": "the ticket id, e.g. TD-7K3QX9",
        "agent_name": "the replying agent's display name (from the roster)",
        "tx_hash": "a transaction hash the agent gives",
        "asset": "an asset symbol, e.g. USDT",
        "network": "a network name, e.g. TRON (TRC-20)",
        "amount": "an amount, as the agent writes it",
    }
)
_FORMATTER: Final = Formatter()
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")


class MacroNotFound(NotFound):
    code = "support.macro_not_found"


class MacroInvalid(InvalidInput):
    code = "support.macro_invalid"


class UnknownPlaceholder(InvalidInput):
    code = "support.macro_placeholder_unknown"


class MissingValue(InvalidInput):
    code = "support.macro_value_missing"


@dataclass(frozen=True)
class Macro:
    id: str
    title: str
    bodies: Mapping[str, str]  # language (primary subtag) -> template
    source: str = "shipped"  # "shipped", "operator", or "shipped+operator"
    operator_languages: frozenset[str] = field(default_factory=frozenset)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.bodies))


@dataclass(frozen=True)
class Choice:
    """The language a macro is shown in for a wanted one."""

    language: str
    requested: str | None
    fallback: bool

    @property
    def notice(self) -> str | None:
        if not self.fallback:
            return None
        return f"no {self.requested} text for this macro; shown in {self.language}"


@dataclass(frozen=True)
class Rendered:
    macro_id: str
    choice: Choice
    text: str


def placeholders(template: str, where: str, field_name: str = "body") -> tuple[str, ...]:
    """The placeholders a template uses, in order of first use; anything else is a 422."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise MacroInvalid(
            f"{where}: {exc}; write {{{{ and }}}} for literal braces", field=field_name
        ) from None
    found: list[str] = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            raise UnknownPlaceholder(
                f"{where}: unknown placeholder {{{name}}}; known: {', '.join(PLACEHOLDERS)}",
                field=field_name,
            )
        if spec or conversion:
            raise UnknownPlaceholder(
                f"{where}: placeholder {{{name}}} takes no format spec or conversion",
                field=field_name,
            )
        if name not in found:
            found.append(name)
    return tuple(found)


def check_text(macro_id: str, language: str, text: str) -> str:
    where = f"macro {macro_id} ({language})"
    if not text.strip():
        raise MacroInvalid(f"{where}: the text is empty", field=f"bodies.{language}")
    if len(text) > MAX_TEXT:
        raise MacroInvalid(f"{where}: at most {MAX_TEXT} characters", field=f"bodies.{language}")
    placeholders(text, where, f"bodies.{language}")
    return text


def check_id(macro_id: str) -> str:
    if not MACRO_ID_RE.fullmatch(macro_id):
        raise MacroInvalid(
            "a macro id is 1-64 lower-case letters, digits, _ and -, e.g. ask_tx_hash",
            field="macro_id",
        )
    return macro_id


def check_language(language: str, field_name: str = "language") -> str:
    code = language.strip().lower()
    if not LANGUAGE_RE.fullmatch(code):
        raise MacroInvalid(
            f"{field_name}: a language is a primary subtag such as en, zh or id", field=field_name
        )
    return code


def choose(macro: Macro, wanted: str | None) -> Choice:
    """The wanted language's text if the macro has it, else English (a fallback)."""
    code = _primary(wanted)
    if code is not None and code in macro.bodies:
        return Choice(code, code, False)
    # Every macro has English (checked when loaded or saved); min() only guards the type.
    used = FALLBACK if FALLBACK in macro.bodies else min(macro.bodies)
    return Choice(used, code, code is not None)


def check_values(values: Mapping[str, str]) -> dict[str, str]:
    """Values an agent gives: known placeholders only, one line of at most 300 characters."""
    clean: dict[str, str] = {}
    for name, value in values.items():
        if name not in PLACEHOLDERS:
            raise UnknownPlaceholder(
                f"values: {name!r} is not a placeholder; known: {', '.join(PLACEHOLDERS)}",
                field=f"values.{name}",
            )
        text = " ".join(str(value).split())
        if len(text) > MAX_VALUE or _CONTROL_RE.search(text):
            raise InvalidInput(
                f"values.{name}: one line of at most {MAX_VALUE} characters",
                field=f"values.{name}",
            )
        if text:
            clean[name] = text
    return clean


def render(macro: Macro, wanted: str | None, values: Mapping[str, str | None]) -> Rendered:
    """The macro's text in the chosen language with every placeholder filled; a placeholder
    without a value is a 422 naming it."""
    choice = choose(macro, wanted)
    template = macro.bodies[choice.language]
    where = f"macro {macro.id} ({choice.language})"
    needed = placeholders(template, where)
    missing = [name for name in needed if not values.get(name)]
    if missing:
        names = ", ".join(missing)
        raise MissingValue(
            f"{where} needs {names}: give {'it' if len(missing) == 1 else 'them'} in values",
            field=f"values.{missing[0]}",
        )
    filled = {name: str(values[name]) for name in needed}
    return Rendered(macro.id, choice, _FORMATTER.vformat(template, (), filled))


# --- the shipped file ---------------------------------------------------------------------------


class _MacroIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=MACRO_ID_RE.pattern)
    title: str = Field(min_length=1, max_length=200)
    body: dict[str, str] = Field(min_length=1)


class _FileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=40)
    macros: tuple[_MacroIn, ...] = Field(min_length=1)


@dataclass(frozen=True)
class MacroSet:
    version: str
    macros: Mapping[str, Macro]


def parse_macros(text: str, source: str = "macros.toml") -> MacroSet:
    """Every macro checked: unique ids, an English text, known languages and placeholders."""
    try:
        data = tomllib.loads(text)
        given = _FileIn.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise MacroInvalid(f"{source}: not valid TOML: {exc}", field=source) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MacroInvalid(f"{source}: {where}: {first['msg']}", field=source) from exc
    found: dict[str, Macro] = {}
    for item in given.macros:
        if item.id in found:
            raise MacroInvalid(f"{source}: macro {item.id} is defined twice", field=source)
        if FALLBACK not in item.body:
            raise MacroInvalid(f"{source}: macro {item.id} has no {FALLBACK} text", field=source)
        bodies = {}
        for language, body in item.body.items():
            try:
                bodies[check_language(language)] = check_text(item.id, language, body)
            except InvalidInput as exc:
                raise MacroInvalid(f"{source}: {exc.message}", field=source) from exc
        found[item.id] = Macro(item.id, item.title, MappingProxyType(bodies))
    return MacroSet(given.version, MappingProxyType(dict(sorted(found.items()))))


def load_macros(path: Path = DEFAULT_PATH) -> MacroSet:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MacroInvalid(f"{path.name}: cannot read: {exc}", field=path.name) from exc
    return parse_macros(text, path.name)


@lru_cache(maxsize=1)
def default_macros() -> MacroSet:
    """The macros shipped with trustdesk, read once."""
    return load_macros(DEFAULT_PATH)


# --- operators' texts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredText:
    """One operator-defined text: a macro in one language."""

    macro_id: str
    language: str
    title: str
    body: str


def combine(shipped: Mapping[str, Macro], stored: Iterable[StoredText]) -> dict[str, Macro]:
    """The shipped macros with operators' texts laid over them, per macro and language; the
    title is the operator's (their English one, else any) when they wrote one."""
    bodies = {m.id: dict(m.bodies) for m in shipped.values()}
    titles = {m.id: m.title for m in shipped.values()}
    ours: dict[str, set[str]] = {}
    for text in sorted(stored, key=lambda t: (t.macro_id, t.language != FALLBACK, t.language)):
        bodies.setdefault(text.macro_id, {})[text.language] = text.body
        if text.macro_id not in ours:
            titles[text.macro_id] = text.title
        ours.setdefault(text.macro_id, set()).add(text.language)
    out: dict[str, Macro] = {}
    for macro_id in sorted(bodies):
        languages = frozenset(ours.get(macro_id, ()))
        source = "shipped" if not languages else "operator"
        if languages and macro_id in shipped:
            source = "shipped+operator"
        out[macro_id] = Macro(
            macro_id, titles[macro_id], MappingProxyType(bodies[macro_id]), source, languages
        )
    return out


def _primary(tag: str | None) -> str | None:
    if tag is None or not tag.strip():
        return None
    return tag.strip().replace("_", "-").split("-")[0].lower() or None
