"""Assessment (考核): monthly publication and the annual 100-point assessment — ASM-1..ASM-7.

Registered through the ``xinyi.plugins`` entry point ``assessment``. The features
arrive with this plugin's issue; until then it only names itself.
"""
from __future__ import annotations

from xinyi_core import hookimpl

XINYI_API = "1"


@hookimpl
def xinyi_messages() -> dict[str, str]:
    return {"title": "考核"}
