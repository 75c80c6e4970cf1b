"""The agent roster: who works which queues, in which languages and skills, how many open
tickets at once, and who is online. Each change is audited; an agent coming online or
gaining capacity drains the backlogs of their queues at once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from trustdesk.core.errors import InvalidInput, NotFound
from trustdesk.support import desk_routing
from trustdesk.support.desk_config import DeskConfig
from trustdesk.support.desk_ports import AgentProfile
from trustdesk.support.env import SupportEnv

AGENT_ID_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LANGUAGE_RE: Final = re.compile(r"[a-z]{2,3}")
MAX_CAPACITY: Final = 200
MAX_NAME: Final = 200


class AgentNotFound(NotFound):
    code = "support.agent_not_found"


@dataclass(frozen=True)
class AgentIn:
    team: str
    queues: Sequence[str]
    languages: Sequence[str]
    capacity: int
    skills: Sequence[str] = ()
    display_name: str | None = None
    online: bool | None = None  # None: as before (a new agent starts offline)


def check_id(agent_id: str) -> str:
    if not AGENT_ID_RE.fullmatch(agent_id):
        raise InvalidInput(
            "an agent id is 1-64 letters, digits, '.', '_' and '-' (no e-mail addresses)",
            field="agent_id",
        )
    return agent_id


def check_agent(config: DeskConfig, given: AgentIn) -> AgentIn:
    """The agent as given, checked against the desk: known team, human queues, skills that
    are categories, languages as primary subtags, capacity 0-200."""
    if given.team not in config.calendars:
        raise InvalidInput(
            f"unknown team {given.team!r}; teams: {', '.join(sorted(config.calendars))}",
            field="team",
        )
    human = sorted(q for q in config.queues if q != desk_routing.BOT)
    queues = _distinct(given.queues)
    if not queues:
        raise InvalidInput("an agent works at least one queue", field="queues")
    for queue in queues:
        if queue not in human:
            raise InvalidInput(
                f"unknown queue {queue!r} for a person; queues: {', '.join(human)}",
                field="queues",
            )
    languages = _distinct(code.strip().lower() for code in given.languages)
    if not languages or not all(_LANGUAGE_RE.fullmatch(code) for code in languages):
        raise InvalidInput(
            "languages: one or more primary subtags such as en, zh, id", field="languages"
        )
    skills = _distinct(given.skills)
    for skill in skills:
        if skill not in config.categories:
            known = ", ".join(sorted(config.categories))
            raise InvalidInput(f"unknown skill {skill!r}; categories: {known}", field="skills")
    if isinstance(given.capacity, bool) or not 0 <= given.capacity <= MAX_CAPACITY:
        raise InvalidInput(f"capacity is 0 to {MAX_CAPACITY} open tickets", field="capacity")
    name = " ".join((given.display_name or "").split()) or None
    if name is not None and (len(name) > MAX_NAME or not name.isprintable()):
        raise InvalidInput(f"display_name: at most {MAX_NAME} characters", field="display_name")
    return replace(
        given,
        queues=tuple(sorted(queues)),
        languages=tuple(sorted(languages)),
        skills=tuple(sorted(skills)),
        display_name=name,
    )


def roster(env: SupportEnv) -> list[AgentProfile]:
    return env.desk_setup().store.agents()


def find(env: SupportEnv, agent_id: str) -> AgentProfile:
    found = env.desk_setup().store.agent(agent_id)
    if found is None:
        raise AgentNotFound(f"no agent {agent_id[:64]}", field="agent_id")
    return found


def save(env: SupportEnv, agent_id: str, given: AgentIn) -> tuple[AgentProfile, bool]:
    """Create or replace the agent; (the agent, whether it was created)."""
    desk = env.desk_setup()
    agent_id = check_id(agent_id)
    clean = check_agent(desk.config, given)
    _lock_for_change(env)
    before = desk.store.agent(agent_id)
    online = clean.online if clean.online is not None else bool(before and before.online)
    profile = AgentProfile(
        id=agent_id,
        display_name=clean.display_name,
        team=clean.team,
        queues=tuple(clean.queues),
        languages=tuple(clean.languages),
        skills=tuple(clean.skills),
        capacity=clean.capacity,
        online=online,
        updated_at=env.clock.now(),
    )
    changed = _changed(before, profile)
    if before is not None and not changed:
        return before, False
    desk.store.save_agent(profile)
    env.record(
        "agent_saved",
        f"agent:{agent_id}",
        {
            "agent_id": agent_id,
            "created": before is None,
            "fields": changed,
            "team": profile.team,
            "queues": list(profile.queues),
            "languages": list(profile.languages),
            "skills": list(profile.skills),
            "capacity": profile.capacity,
            "online": profile.online,
        },
    )
    desk_routing.drain(env, profile.queues, "agent_saved")
    return find(env, agent_id), before is None


def set_online(env: SupportEnv, agent_id: str, online: bool) -> AgentProfile:
    """Online or offline; coming online drains the backlogs of the agent's queues. Going
    offline keeps their tickets (the sweep moves those they do not answer in time)."""
    desk = env.desk_setup()
    _lock_for_change(env)
    before = find(env, agent_id)
    if before.online == online:
        return before
    desk.store.save_agent(replace(before, online=online, updated_at=env.clock.now()))
    env.record(
        "agent_online" if online else "agent_offline", f"agent:{agent_id}", {"agent_id": agent_id}
    )
    if online:
        desk_routing.drain(env, before.queues, "agent_online")
    return find(env, agent_id)


def _lock_for_change(env: SupportEnv) -> None:
    # Cursors first, then agents: the order every assignment takes them in.
    desk = env.desk_setup()
    desk.store.lock_cursors([q for q in desk.config.queues if q != desk_routing.BOT])
    desk.store.agents(lock=True)


def _changed(before: AgentProfile | None, after: AgentProfile) -> list[str]:
    names = ("display_name", "team", "queues", "languages", "skills", "capacity", "online")
    if before is None:
        return list(names)
    return [n for n in names if getattr(before, n) != getattr(after, n)]


def _distinct(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        text = str(value).strip()
        if text and text not in seen:
            seen.append(text)
    return seen
