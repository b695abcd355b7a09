"""Work log (工作日志) and the visit/call register — WORK-1, WORK-2.

Registered through the ``xinyi.plugins`` entry point ``worklog``. The features
arrive with this plugin's issue; until then it only names itself.
"""
from __future__ import annotations

from xinyi_core import hookimpl

XINYI_API = "1"


@hookimpl
def xinyi_messages() -> dict[str, str]:
    return {"title": "工作日志"}
