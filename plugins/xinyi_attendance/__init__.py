"""Attendance (考勤): sign-in, phone checks, absenteeism — ATT-1, ATT-2, ATT-5, ATT-6.

Registered through the ``xinyi.plugins`` entry point ``attendance``. The features
arrive with this plugin's issue; until then it only names itself.
"""
from __future__ import annotations

from xinyi_core import hookimpl

XINYI_API = "1"


@hookimpl
def xinyi_messages() -> dict[str, str]:
    return {"title": "考勤"}
