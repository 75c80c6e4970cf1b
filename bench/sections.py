"""Put one benchmark's markdown section into results.md, replacing an older copy of it."""

from __future__ import annotations

from pathlib import Path


def put_section(path: Path, section: str) -> None:
    """``section`` starts with its ``## `` heading; the same heading already in the file is
    replaced up to the next ``## `` heading, otherwise the section is added at the end."""
    heading = section.split("\n", 1)[0]
    text = path.read_text() if path.exists() else ""
    start = text.find(heading + "\n")
    if start < 0:
        path.write_text((text.rstrip("\n") + "\n\n" if text else "") + section.rstrip("\n") + "\n")
        return
    end = text.find("\n## ", start + len(heading))
    rest = text[end + 1 :] if end >= 0 else ""
    joined = text[:start] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")
    path.write_text(joined)
