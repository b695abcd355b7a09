"""A plugin with a bug in every UI hook: the app must carry on without it."""
from __future__ import annotations

from xinyi_core import hookimpl

XINYI_API = "1"


@hookimpl
def xinyi_screens():
    raise RuntimeError("screens exploded")


@hookimpl
def xinyi_dashboard_items(operator):
    raise RuntimeError("dashboard exploded")
