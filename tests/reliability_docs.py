"""docs/reliability.md is written by the tests, one `## ` section each, the others kept."""

from __future__ import annotations

import re
from pathlib import Path

RELIABILITY_DOC = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"


def replace_section(path: Path, heading: str, body: str) -> None:
    """Put `heading` and `body` in the Markdown file: in place of that section, else at the end."""
    text = path.read_text() if path.exists() else ""
    section = f"{heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = f"{text.rstrip()}\n\n{section}" if text.strip() else section
    path.write_text(text.rstrip("\n") + "\n")
