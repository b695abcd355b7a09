"""Training quotas (学习培训) — TRN-1, TRN-2, TRN-3.

Registered through the ``xinyi.plugins`` entry point ``training``. The features
arrive with this plugin's issue; until then it only names itself.
"""
from __future__ import annotations

from xinyi_core import hookimpl

XINYI_API = "1"


@hookimpl
def xinyi_messages() -> dict[str, str]:
    return {"title": "学习培训"}
