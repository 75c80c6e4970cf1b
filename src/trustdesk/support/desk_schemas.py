"""Request bodies and JSON shapes of the desk's API and CLI: agents, macros, hand-offs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from trustdesk.support.agents import AgentIn
from trustdesk.support.desk_ports import AgentProfile
from trustdesk.support.macros import Macro, choose, placeholders
from trustdesk.support.schemas import iso


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgentPut(_Strict):
    display_name: str | None = Field(default=None, max_length=200)
    team: str = Field(min_length=1, max_length=40, description="a team of the desk config")
    queues: list[str] = Field(min_length=1, max_length=10, description="l1, l2, blockchain …")
    languages: list[str] = Field(min_length=1, max_length=20, description="en, zh, id …")
    skills: list[str] = Field(
        default_factory=list, max_length=20, description="categories; none: every category"
    )
    capacity: int = Field(ge=0, le=200, description="open tickets at once")
    online: bool | None = Field(default=None, description="omit: unchanged (new: offline)")

    def to_domain(self) -> AgentIn:
        return AgentIn(
            team=self.team,
            queues=tuple(self.queues),
            languages=tuple(self.languages),
            capacity=self.capacity,
            skills=tuple(self.skills),
            display_name=self.display_name,
            online=self.online,
        )


class MacroPut(_Strict):
    title: str = Field(min_length=1, max_length=200)
    bodies: dict[str, str] = Field(
        min_length=1, max_length=20, description="language -> text with {placeholders}"
    )


class MacroUse(_Strict):
    author: str = Field(min_length=1, max_length=128, description="the replying agent's id")
    values: dict[str, str] = Field(
        default_factory=dict, max_length=20, description="placeholder -> value, e.g. tx_hash"
    )


class HandOff(_Strict):
    tier: str | None = Field(
        default=None, max_length=16, description="l1, l2, blockchain, compliance; omit: the rules"
    )


def agent_json(agent: AgentProfile) -> dict[str, Any]:
    return {
        "id": agent.id,
        "display_name": agent.display_name,
        "team": agent.team,
        "queues": list(agent.queues),
        "languages": list(agent.languages),
        "skills": list(agent.skills),
        "capacity": agent.capacity,
        "online": agent.online,
        "load": agent.load,
        "updated_at": iso(agent.updated_at),
    }


def macro_json(macro: Macro, language: str | None = None) -> dict[str, Any]:
    """The macro in ``language`` (English, said so, when it has none); without a language,
    every text."""
    base: dict[str, Any] = {
        "id": macro.id,
        "title": macro.title,
        "source": macro.source,
        "languages": list(macro.languages),
    }
    if language is None:
        return base | {"bodies": dict(sorted(macro.bodies.items()))}
    choice = choose(macro, language)
    body = macro.bodies[choice.language]
    return base | {
        "language": choice.language,
        "requested_language": choice.requested,
        "fallback": choice.fallback,
        "notice": choice.notice,
        "placeholders": list(placeholders(body, f"macro {macro.id}")),
        "body": body,
    }
