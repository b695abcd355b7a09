"""The plugin contract: every hook a plugin may implement.

A plugin is an ordinary Python package registered in the ``xinyi.plugins``
entry-point group. It implements any subset of these hooks with
``@xinyi_core.hookimpl`` and declares ``XINYI_API = "1"`` (the contract's major
version) at module level. The core never imports a plugin, and a plugin never
imports another plugin: they talk only through these hooks.

Hooks marked *per town* are called through :meth:`Plugins.for_town`, so a town
only hears from the plugins it enabled in ``towns.toml``; city-level calls see
every installed plugin.

``docs/plugins.md`` is generated from this file; keep the docstrings complete.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    import datetime as dt
    import random

    import click

    from .models import ApprovalChain, OrgUnit, Operator, Person

PROJECT = "xinyi"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --------------------------------------------------------------------------- data

@hookspec
def xinyi_models() -> list[type]:
    """The peewee models this plugin owns.

    Called at start-up and by tooling (tests, ``xinyi plugins``). The models
    must subclass :class:`xinyi_core.BaseModel`. Creating their tables is the
    job of :func:`xinyi_migrations`, not of this hook.
    """


@hookspec
def xinyi_migrations() -> list[Any]:
    """This plugin's schema migrations, as a list of :class:`xinyi_core.Migration`.

    Versions start at 1 and only grow. The runner applies the pending ones in
    order at ``xinyi init`` and at every start, records them under the plugin's
    name, never re-applies one, and refuses a database whose recorded version
    for this plugin is newer than the newest one returned here.
    """


@hookspec
def xinyi_settings() -> dict[str, Any]:
    """Tunables this plugin reads from ``[settings.<plugin>]`` in ``xinyi.toml``.

    Return ``{name: xinyi_core.Setting(default, type, expected_zh)}``. Values
    are type-checked at start (a wrong one stops the program with a message
    naming the key); defaults fill the gaps. Read them with
    ``runtime().config.setting(plugin, name)``.
    """


@hookspec
def xinyi_messages() -> dict[str, Any]:
    """Chinese messages for this plugin, merged into the one catalogue.

    Return a (nested) mapping; its keys are registered under the plugin's
    name, so ``{"title": "考勤"}`` from plugin ``attendance`` is
    ``t("attendance.title")``.
    """


@hookspec
def xinyi_permissions() -> dict[str, list[str]]:
    """The named actions this plugin defines, with the roles granted them by default.

    Return ``{"leave.approve.city": ["city_office"], …}``. ``[roles]`` in
    ``xinyi.toml`` may replace a role's whole list (globs allowed). Each action
    needs a catalogue entry ``perm.<action>`` describing it.
    """


# --------------------------------------------------------------------------- people & calendar (per town)

@hookspec
def xinyi_calendar_marks(person: Person, start: dt.date, end: dt.date) -> list[Any]:
    """Days this plugin marks for ``person`` between ``start`` and ``end`` inclusive.

    *Per town.* Return :class:`xinyi_core.CalendarMark` objects (date, kind,
    label, excused). Attendance reads them to tell an excused absence (approved
    leave, a training day) from absenteeism (旷工, ATT-5/ATT-6).
    """


@hookspec
def xinyi_assessment_facts(person: Person, year: int) -> list[Any]:
    """Facts this plugin knows for ``person``'s annual assessment of ``year``.

    *Per town.* Return :class:`xinyi_core.AssessmentFact` objects, each with
    the rule ID it applies (e.g. ``ATT-5``), the scoring item it affects (if
    any), a value and the evidence behind it.
    """


@hookspec
def xinyi_status_change_vetoes(person: Person, new_status: str) -> list[str]:
    """Reasons (Chinese) why ``person`` may not move to ``new_status`` now.

    *Per town.* Called before every status change; any non-empty answer
    refuses the change and the reasons are shown to the operator (e.g. TRN-1:
    not on duty before passing pre-job training).
    """


@hookspec
def xinyi_person_changed(person: Person, change: str, detail: dict[str, Any]) -> None:
    """Called after ``person`` was hired, transferred, changed status or departed.

    *Per town.* ``change`` is one of ``hired``, ``transferred``, ``status``,
    ``updated``; ``detail`` holds the before/after values. Plugins close what no
    longer applies (pending leave of a departed assistant, training invitations).
    """


@hookspec
def xinyi_approval_finished(chain: ApprovalChain) -> None:
    """Called once when an approval chain ends (approved, rejected or withdrawn).

    The plugin that started the chain (``chain.kind``) updates its own record.
    """


# --------------------------------------------------------------------------- UI

@hookspec
def xinyi_screens() -> list[Any]:
    """Navigation entries this plugin adds to the terminal UI.

    Return :class:`xinyi_core.ScreenEntry` objects: key binding, title key,
    required permission and a factory building the Textual screen. Entries are
    shown to an operator only if the plugin is enabled for her town and she
    holds the permission.
    """


@hookspec
def xinyi_dashboard_items(operator: Operator) -> list[Any]:
    """To-dos for ``operator``'s home screen: approvals waiting, alerts.

    *Per town* (the operator's). Return :class:`xinyi_core.DashboardItem`
    objects; each names the screen that opens when the operator picks it.
    """


# --------------------------------------------------------------------------- jobs & reports

@hookspec
def xinyi_actors() -> list[Any]:
    """Background actors (functions) this plugin runs on the job queue.

    Return :class:`xinyi_core.jobs.ActorSpec` objects; the core declares them on
    the configured dramatiq broker (Redis, or in-process).
    """


@hookspec
def xinyi_schedules() -> list[Any]:
    """Cron schedules (Asia/Shanghai) for this plugin's actors.

    Return :class:`xinyi_core.jobs.Schedule` objects. A scheduled run for a town
    is only sent if the town enabled this plugin; two schedulers never fire the
    same run twice.
    """


@hookspec
def xinyi_reports() -> list[Any]:
    """Report definitions: name, parameters, renderer and output formats.

    Reports run now with ``xinyi report NAME`` or on the queue with ``--enqueue``.
    """


# --------------------------------------------------------------------------- demo & CLI

@hookspec
def xinyi_demo_data(city: OrgUnit, rng: random.Random) -> None:
    """Create realistic demo records for the demo city.

    Called by ``xinyi demo`` after the org tree, people and operators exist.
    Use ``rng`` for every random choice so the demo is reproducible.
    """


@hookspec
def xinyi_cli(cli: click.Group) -> None:
    """Add subcommands to the ``xinyi`` command (a :class:`click.Group`)."""
