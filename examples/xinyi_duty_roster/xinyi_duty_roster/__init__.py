"""Window duty roster (值班表): the example plugin of ``docs/plugins.md``.

The town centre publishes which assistant is on duty at its service window on
each working day — one of the management duties scored under item 5 of the
scoring sheet (ASM-5). Next week's rotation is published every Friday at 16:00
by a scheduled job, or at once from the screen. Built only from the guide:
it imports nothing but the public API of ``xinyi_core``.
"""
from __future__ import annotations

from typing import Any

from xinyi_core import Migration, create_tables, hookimpl, i18n

XINYI_API = "1"
PLUGIN = "duty_roster"
MESSAGES = i18n.package_messages(__name__, PLUGIN)


@hookimpl
def xinyi_messages() -> dict[str, Any]:
    return MESSAGES


@hookimpl
def xinyi_models() -> list[type]:
    from .models import MODELS

    return list(MODELS)


@hookimpl
def xinyi_migrations() -> list[Migration]:
    from .models import MODELS

    return [Migration(1, "duty slots", create_tables(*MODELS))]


@hookimpl
def xinyi_permissions() -> dict[str, list[str]]:
    return {
        f"{PLUGIN}.view": ["assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau"],
        f"{PLUGIN}.publish": ["town_clerk", "town_head"],  # the town centre publishes its own rotation
    }


@hookimpl
def xinyi_screens() -> list[Any]:
    from .screens import ENTRIES

    return ENTRIES


@hookimpl
def xinyi_actors() -> list[Any]:
    from .jobs import ACTORS

    return ACTORS


@hookimpl
def xinyi_schedules() -> list[Any]:
    from .jobs import SCHEDULES

    return SCHEDULES
