"""Copies of the default risk policy with a few [stepup] values changed, for tests that need
another limit than production's (loaded through Settings(policy_file=...), like an operator's
TRUSTDESK_POLICY_FILE)."""

from __future__ import annotations

import re
from pathlib import Path

from trustdesk.settings import DEFAULT_POLICY


def policy_with_stepup(directory: Path, **values: int) -> Path:
    """Write ``directory/policy.toml``: the default policy with these ``[stepup]`` keys set."""
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    head, sep, rest = text.partition("\n[stepup]\n")
    assert sep, "the default policy has no [stepup] table"
    section, nested, tail = rest.partition("\n[")
    for key in values:  # drop a key the default sets, so the table keeps each key once
        section = re.sub(rf"(?m)^{re.escape(key)}\s*=.*\n?", "", section)
    added = "".join(f"{key} = {value}\n" for key, value in values.items())
    path = directory / "policy.toml"
    path.write_text(head + sep + added + section + nested + tail, encoding="utf-8")
    return path
