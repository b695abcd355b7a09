"""Departure (离职) and vacancies — ORG-2, ORG-3, ATT-6.

Registered through the ``xinyi.plugins`` entry point ``departure``. The features
arrive with this plugin's issue; until then it only names itself.
"""
from __future__ import annotations

from xinyi_core import hookimpl

XINYI_API = "1"


@hookimpl
def xinyi_messages() -> dict[str, str]:
    return {"title": "离职"}
