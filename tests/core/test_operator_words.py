"""No rule ID in the words an operator reads (issue 18, UX.md "No internal words").

Rule IDs (ATT-5, ASM-5, WORK-2 …) trace the code and the tests to the regulation; a clerk reads
plain Chinese. Every string of the core's catalogues and of the leave, training, work-log and
assessment plugins' is checked, so a new message cannot bring one back. ("UTF-8" looks like one
and is the name of an encoding an administrator must pick: it is allowed.)
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULE_ID = re.compile(r"[A-Z]{2,5}-\d")
ALLOWED = ("UTF-8",)
CATALOGUES = sorted((ROOT / "src" / "xinyi_core" / "locale" / "zh_CN").glob("*.toml")) + [
    ROOT / "plugins" / name / "messages.toml"
    for name in ("xinyi_assessment", "xinyi_leave", "xinyi_training", "xinyi_worklog")]


def strings(table: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in table.items():
        if isinstance(value, dict):
            yield from strings(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            yield f"{prefix}{key}", value
        elif isinstance(value, list):
            yield from ((f"{prefix}{key}[{i}]", v) for i, v in enumerate(value) if isinstance(v, str))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_message_shows_a_rule_id(path: Path):
    found = [f"{key} = {text!r}" for key, text in strings(tomllib.loads(path.read_text("utf-8")))
             if RULE_ID.search(re.sub("|".join(map(re.escape, ALLOWED)), "", text))]
    assert not found, "rule IDs in operator text:\n  " + "\n  ".join(found)
