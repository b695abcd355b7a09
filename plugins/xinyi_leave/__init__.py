"""Leave (请假): slips, approvals, extensions and return — ATT-3, ATT-4, ATT-6.

Registered through the ``xinyi.plugins`` entry point ``leave``. The features
arrive with this plugin's issue; until then it only names itself.
"""
from __future__ import annotations

from xinyi_core import hookimpl

XINYI_API = "1"


@hookimpl
def xinyi_messages() -> dict[str, str]:
    return {"title": "请假"}
