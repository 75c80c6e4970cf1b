"""The support desk's configuration: teams and their calendars, queues (tiers), SLA targets,
reassignment limits and routing rules, read strictly from a versioned TOML file.

Errors name the file, the place (``rules[3].match.priority``, with the rule's name) and
what is wrong, so a typo in a queue, team, category or priority never loads.

Durations are written ``"15m"``, ``"4h"``, ``"1h30m"`` or in business days, ``"3bd"``; a
business day is ``[sla] business_day`` of open time (the default file: 9 h, 09:00-18:00).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError

from trustdesk.core.errors import InvalidInput
from trustdesk.support.calendar import BusinessCalendar, CalendarError
from trustdesk.support.routing import Match, RoutingPolicy, Rule
from trustdesk.support.sla import Priority, Queue, SlaPolicy, SlaTarget

DEFAULT_PATH: Final = Path(__file__).resolve().parents[1] / "policies" / "support.toml"
_DURATION_RE: Final = re.compile(r"^(?:(\d+)bd)?(?:(\d+)h)?(?:(\d+)m)?$")


class DeskConfigError(InvalidInput):
    code = "support.config_invalid"


def _listed(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,39}$")]
Names = Annotated[tuple[Name, ...], BeforeValidator(_listed)]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
Region = Annotated[str, Field(pattern=r"^[A-Z0-9]{2,8}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamIn(_Strict):
    time_zone: str = Field(min_length=1, max_length=64)
    hours: str | dict[str, str | list[str]]
    holidays: tuple[date, ...] = ()
    holidays_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    holidays_subdivision: str | None = Field(default=None, max_length=16)


class QueueIn(_Strict):
    team: Name
    escalate_to: Name | None = None
    manager: str | None = Field(default=None, min_length=1, max_length=80)


class TargetIn(_Strict):
    priority: Priority
    tier: Name | None = None
    first_response: str
    resolution: str
    calendar: Name | None = None


class SlaIn(_Strict):
    warning_at: float = Field(gt=0, lt=1)
    business_day: str = "8h"
    targets: tuple[TargetIn, ...] = Field(min_length=1)


class ReassignIn(_Strict):
    after: dict[Priority, str] = {}


class MatchIn(_Strict):
    category: Names = ()
    language: Annotated[tuple[Language, ...], BeforeValidator(_listed)] = ()
    region: Annotated[tuple[Region, ...], BeforeValidator(_listed)] = ()
    priority: Annotated[tuple[Priority, ...], BeforeValidator(_listed)] = ()
    language_known: StrictBool | None = None
    within_hours_of: Name | None = None
    outside_hours_of: Name | None = None


class RuleIn(_Strict):
    name: str = Field(min_length=1, max_length=80)
    match: MatchIn = MatchIn()
    queue: Name | None = None
    team: Name | None = None
    priority_at_least: Priority | None = None


class DefaultIn(_Strict):
    queue: Name
    team: Name | None = None


class DeskIn(_Strict):
    version: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]{2,40}$")
    description: str = Field(default="", max_length=400)
    categories: Names = Field(min_length=1)
    teams: dict[Name, TeamIn] = Field(min_length=1)
    queues: dict[Name, QueueIn] = Field(min_length=1)
    sla: SlaIn
    reassign: ReassignIn = ReassignIn()
    rules: tuple[RuleIn, ...] = ()
    default: DefaultIn


@dataclass(frozen=True)
class DeskConfig:
    version: str
    description: str
    categories: frozenset[str]
    calendars: Mapping[str, BusinessCalendar]
    queues: Mapping[str, Queue]
    sla: SlaPolicy
    routing: RoutingPolicy


# --- reading ------------------------------------------------------------------------------------


def load_desk_config(path: Path = DEFAULT_PATH) -> DeskConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeskConfigError(f"{path.name}: cannot read: {exc}", field=path.name) from exc
    return parse_desk_config(text, path.name)


@lru_cache(maxsize=1)
def default_desk_config() -> DeskConfig:
    """The configuration shipped with trustdesk, read once."""
    return load_desk_config(DEFAULT_PATH)


def parse_desk_config(text: str, source: str = "support.toml") -> DeskConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeskConfigError(f"{source}: not valid TOML: {exc}", field=source) from exc
    try:
        desk = DeskIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _place(first["loc"], data)
        message = str(first["msg"]).removeprefix("Value error, ")
        raise DeskConfigError(f"{source}: {where}: {message}", field=_path(first["loc"])) from exc
    return _Builder(desk, source).build()


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "config"


def _place(loc: Sequence[int | str], data: Any) -> str:
    """``rules[3] ("to compliance").queue``: the path with the rule's name when it has one."""
    path = _path(loc)
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules") if isinstance(data, dict) else None
        rule = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        name = rule.get("name") if isinstance(rule, dict) else None
        if isinstance(name, str):
            head = f"rules[{loc[1]}]"
            return f'{head} ("{name}"){path[len(head) :]}'
    return path


def parse_duration(text: str, business_day: timedelta) -> timedelta:
    """``"15m"``, ``"4h"``, ``"1h30m"``, ``"3bd"`` (business days) -> a positive duration."""
    found = _DURATION_RE.match(text.strip().lower().replace(" ", ""))
    if found is None or not any(found.groups()):
        raise ValueError(f"{text!r} is not a duration like 15m, 4h, 1h30m or 3bd")
    days, hours, minutes = (int(g or 0) for g in found.groups())
    value = days * business_day + timedelta(hours=hours, minutes=minutes)
    if value <= timedelta(0):
        raise ValueError(f"{text!r}: a duration must be longer than zero")
    return value


class _Builder:
    """Turns the validated file into domain objects, checking every cross-reference."""

    def __init__(self, desk: DeskIn, source: str) -> None:
        self.desk, self.source = desk, source

    def fail(self, field: str, message: str) -> DeskConfigError:
        place = field
        found = re.match(r"^rules\[(\d+)\]", field)
        if found is not None:  # name the rule too: rules[3] ("kyc to compliance").queue
            name = self.desk.rules[int(found.group(1))].name
            place = f'{found.group(0)} ("{name}"){field[found.end() :]}'
        return DeskConfigError(f"{self.source}: {place}: {message}", field=field)

    def known(self, field: str, kind: str, value: str | None, names: Mapping[str, Any]) -> None:
        if value is not None and value not in names:
            known = ", ".join(sorted(names))
            raise self.fail(field, f"unknown {kind} {value!r}; known: {known}")

    def duration(self, field: str, text: str, business_day: timedelta) -> timedelta:
        try:
            return parse_duration(text, business_day)
        except ValueError as exc:
            raise self.fail(field, str(exc)) from exc

    def build(self) -> DeskConfig:
        calendars = MappingProxyType(self.calendars())
        queues = MappingProxyType(self.queues(calendars))
        desk = self.desk
        sla = SlaPolicy(self.targets(calendars, queues), calendars, queues, desk.sla.warning_at)
        day = self.duration("sla.business_day", desk.sla.business_day, timedelta(0))
        after = {
            p: self.duration(f"reassign.after.{p.value}", text, day)
            for p, text in desk.reassign.after.items()
        }
        rules = tuple(self.rule(i, r, calendars, queues) for i, r in enumerate(desk.rules))
        self.known("default.queue", "queue", desk.default.queue, queues)
        self.known("default.team", "team", desk.default.team, calendars)
        default = Rule("default", queue=desk.default.queue, team=desk.default.team)
        routing = RoutingPolicy(desk.version, rules, default, calendars, MappingProxyType(after))
        return DeskConfig(
            desk.version,
            desk.description,
            frozenset(desk.categories),
            calendars,
            queues,
            sla,
            routing,
        )

    def calendars(self) -> dict[str, BusinessCalendar]:
        out = {}
        for name, team in self.desk.teams.items():
            try:
                out[name] = BusinessCalendar.weekly(
                    name,
                    team.time_zone,
                    team.hours,
                    holidays=team.holidays,
                    holiday_country=team.holidays_country,
                    holiday_subdivision=team.holidays_subdivision,
                )
            except CalendarError as exc:
                raise self.fail(f"teams.{name}.{exc.field or 'hours'}", exc.message) from exc
        return out

    def queues(self, calendars: Mapping[str, BusinessCalendar]) -> dict[str, Queue]:
        raw = self.desk.queues
        for name, queue in raw.items():
            self.known(f"queues.{name}.team", "team", queue.team, calendars)
            self.known(f"queues.{name}.escalate_to", "queue", queue.escalate_to, raw)
            if queue.escalate_to is not None and queue.manager is not None:
                raise self.fail(f"queues.{name}", "give escalate_to or manager, not both")
        for name in raw:  # an escalation chain must end
            seen, step = [name], raw[name].escalate_to
            while step is not None:
                if step in seen:
                    chain = " -> ".join([*seen, step])
                    raise self.fail(f"queues.{name}.escalate_to", f"escalation loops: {chain}")
                seen.append(step)
                step = raw[step].escalate_to
        return {n: Queue(n, q.team, q.escalate_to, q.manager) for n, q in raw.items()}

    def targets(
        self, calendars: Mapping[str, BusinessCalendar], queues: Mapping[str, Queue]
    ) -> tuple[SlaTarget, ...]:
        day = self.duration("sla.business_day", self.desk.sla.business_day, timedelta(0))
        out: list[SlaTarget] = []
        seen: set[tuple[Priority, str | None]] = set()
        for i, t in enumerate(self.desk.sla.targets):
            at = f"sla.targets[{i}]"
            self.known(f"{at}.tier", "queue", t.tier, queues)
            self.known(f"{at}.calendar", "team", t.calendar, calendars)
            if (t.priority, t.tier) in seen:
                raise self.fail(at, f"a second target for {t.priority.value}/{t.tier or 'any'}")
            seen.add((t.priority, t.tier))
            first = self.duration(f"{at}.first_response", t.first_response, day)
            resolution = self.duration(f"{at}.resolution", t.resolution, day)
            if resolution < first:
                raise self.fail(f"{at}.resolution", "is shorter than first_response")
            out.append(SlaTarget(t.priority, t.tier, first, resolution, t.calendar))
        missing = [p.value for p in Priority if (p, None) not in seen]
        if missing:
            raise self.fail("sla.targets", f"no target without a tier for {', '.join(missing)}")
        return tuple(out)

    def rule(
        self,
        index: int,
        rule: RuleIn,
        calendars: Mapping[str, BusinessCalendar],
        queues: Mapping[str, Queue],
    ) -> Rule:
        at = f"rules[{index}]"
        m = rule.match
        categories = {c: None for c in self.desk.categories}
        for category in m.category:
            self.known(f"{at}.match.category", "category", category, categories)
        self.known(f"{at}.match.within_hours_of", "team", m.within_hours_of, calendars)
        self.known(f"{at}.match.outside_hours_of", "team", m.outside_hours_of, calendars)
        self.known(f"{at}.queue", "queue", rule.queue, queues)
        self.known(f"{at}.team", "team", rule.team, calendars)
        if rule.queue is None and rule.team is None and rule.priority_at_least is None:
            raise self.fail(at, "sets nothing: give queue, team or priority_at_least")
        match = Match(
            categories=frozenset(m.category),
            languages=frozenset(m.language),
            regions=frozenset(m.region),
            priorities=frozenset(m.priority),
            language_known=m.language_known,
            within_hours_of=m.within_hours_of,
            outside_hours_of=m.outside_hours_of,
        )
        return Rule(rule.name, match, rule.queue, rule.team, rule.priority_at_least)
