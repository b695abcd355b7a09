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

    from .config import Setting
    from .db import BaseModel, Migration
    from .jobs.api import ActorSpec, ReportSpec, Schedule
    from .models import Alert, ApprovalChain, OrgUnit, Operator, Person
    from .types import AssessmentFact, CalendarMark, DashboardChart, DashboardItem, MonthFact, ScreenEntry

PROJECT = "xinyi"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --------------------------------------------------------------------------- data

@hookspec
def xinyi_models() -> list[type[BaseModel]]:
    """The peewee models this plugin owns.

    Called at start-up and by tooling (tests, ``xinyi plugins``). The models
    must subclass :class:`xinyi_core.BaseModel`. Creating their tables is the
    job of :func:`xinyi_migrations`, not of this hook.
    """


@hookspec
def xinyi_migrations() -> list[Migration]:
    """This plugin's schema migrations, as a list of :class:`xinyi_core.Migration`.

    Versions start at 1 and only grow. The runner applies the pending ones in
    order at ``xinyi init`` and at every start, records them under the plugin's
    name, never re-applies one, and refuses a database whose recorded version
    for this plugin is newer than the newest one returned here.
    """


@hookspec
def xinyi_settings() -> dict[str, Setting]:
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
    needs a Chinese description: the core's are ``perm.<action>``; a plugin's
    action ``<plugin>.<rest>`` is described by its own message ``perm.<rest>``
    (registered as ``<plugin>.perm.<rest>``). :func:`xinyi_core.auth.describe`
    finds either.
    """


# --------------------------------------------------------------------------- people & calendar (per town)

@hookspec
def xinyi_calendar_marks(person: Person, start: dt.date, end: dt.date) -> list[CalendarMark]:
    """Days this plugin marks for ``person`` between ``start`` and ``end`` inclusive.

    *Per town.* Return :class:`xinyi_core.CalendarMark` objects (date, kind,
    label, excused). Attendance reads them to tell an excused absence (approved
    leave, a training day) from absenteeism (旷工, ATT-5/ATT-6), and stores what
    it saw: when marks this plugin gave change later, call
    :func:`xinyi_core.calendar.marks_changed` (see ``xinyi_calendar_marks_changed``).
    """


@hookspec
def xinyi_calendar_marks_bulk(people: list[Person], start: dt.date, end: dt.date) -> dict[int, list[CalendarMark]]:
    """``xinyi_calendar_marks`` for many people at once: ``{person_id: [CalendarMark, …]}``.

    *Per town*: the people are of towns that enabled your plugin — one call may hold
    several towns' people (the core asks once for every town that enabled the same
    plugins), at most :data:`xinyi_core.facts.CHUNK` at a time; never assume one
    town (take each person's own ``town_id``). Optional: implement it when a
    report or a round would otherwise call ``xinyi_calendar_marks`` once per
    person — answer with one grouped query (``bulk.in_ids(Model.person, [p.id for p
    in people])``) rather than a loop. Each person's list must be what
    ``xinyi_calendar_marks`` gives her; leave out (or map to ``[]``) a person
    you mark nothing for. Keep the one-person hook too: screens and older
    callers ask it. Callers go through :func:`xinyi_core.facts.calendar_marks`,
    which asks a plugin that implements only the one-person hook person by
    person, so such a plugin still counts.
    """


@hookspec
def xinyi_calendar_marks_changed(person: Person, start: dt.date, end: dt.date) -> None:
    """The marks some plugin gives ``person`` between ``start`` and ``end`` changed.

    *Per town* (the person's). A plugin whose marks change after the fact — a
    refused or withdrawn oral leave, leave cancelled before it starts, a
    return (销假) that shortens it, an extension approved — calls
    :func:`xinyi_core.calendar.marks_changed`, which calls this hook. A plugin
    that stored something derived from the marks re-reads
    ``xinyi_calendar_marks`` for those days and brings it in line: attendance
    drops excuses whose mark is gone (the days become 旷工 candidates again,
    ATT-3/ATT-5), records newly excused days, and recounts the off-post run
    (ATT-6); a decision a person made on a day stays as it is.

    *Inside the transaction* of the change: what the hook writes commits with
    it. Write only to the database here; an exception undoes the change.
    """


@hookspec
def xinyi_assessment_facts(person: Person, year: int) -> list[AssessmentFact]:
    """Facts this plugin knows for ``person``'s annual assessment of ``year``.

    *Per town.* Return :class:`xinyi_core.AssessmentFact` objects, each with
    the rule ID it applies (e.g. ``ATT-5``), the scoring item it affects (if
    any), a value and the evidence behind it.
    """


@hookspec
def xinyi_assessment_facts_bulk(people: list[Person], year: int) -> dict[int, list[AssessmentFact]]:
    """``xinyi_assessment_facts`` for many people at once: ``{person_id: [AssessmentFact, …]}``.

    *Per town*, optional, with the same contract as
    ``xinyi_calendar_marks_bulk``: each person's list is what the one-person
    hook gives her, from one grouped query per fact rather than one per person.
    Opening a town's assessment round (:func:`xinyi_core.facts.assessment_facts`)
    calls it; a plugin implementing only ``xinyi_assessment_facts`` is asked
    person by person.
    """


@hookspec
def xinyi_month_facts(person: Person, year: int, month: int) -> list[MonthFact]:
    """What this plugin counted in ``person``'s month ``year``-``month``.

    *Per town.* Return :class:`xinyi_core.MonthFact` objects — typed counts
    with their rule ID, e.g. attendance's days present out of the working days,
    late and early arrivals, leave, confirmed 旷工 and failed phone checks. The
    routine assessment (ASM-2) fills the publication's 出勤情况 from them and
    the reviewer confirms or annotates; without any answer the column holds what
    the reviewer typed. Count only what the month's records say (a person on
    the roll for part of the month: that part), and return ``[]`` when you know
    nothing of her month.
    """


@hookspec
def xinyi_month_facts_bulk(people: list[Person], year: int, month: int) -> dict[int, list[MonthFact]]:
    """``xinyi_month_facts`` for many people at once: ``{person_id: [MonthFact, …]}``.

    *Per town*, optional, with the same contract as
    ``xinyi_calendar_marks_bulk``: each person's list is what the one-person
    hook gives her (a person you know nothing of: left out or ``[]``). The
    routine assessment's sheet (:func:`xinyi_core.facts.month_facts`) calls it
    for a town's roll; a plugin implementing only ``xinyi_month_facts`` is asked
    person by person.
    """


@hookspec
def xinyi_status_change_vetoes(person: Person, new_status: str, basis: ApprovalChain | None) -> list[str]:
    """Reasons (Chinese) why ``person`` may not move to ``new_status`` now.

    *Per town.* Called before every status change; any non-empty answer
    refuses the change (audited, nothing written) and the reasons are shown to
    the operator (e.g. TRN-1: not on duty before passing pre-job training).

    ``basis`` is the approval chain the change carries out, when a plugin
    performs it at the end of its own chain; ``None`` for a change made
    directly. A plugin that makes a status an approved act refuses it without
    its own finished chain — and checks that chain in the database, never
    trusting the object it is handed (ORG-2: the departure plugin lets 离职
    through only from a 附件5 report the city employment office approved).
    An implementation may leave ``basis`` out of its signature.
    """


@hookspec
def xinyi_duty_refusals(person: Person, day: dt.date) -> list[str]:
    """Reasons (Chinese) why, by this plugin's rules, ``person`` was not on duty on ``day``.

    *Per town* (the person's). Asked by the core's one duty check,
    :func:`xinyi_core.duty_refusals`, before any record of a person's work on a
    day is written: sign-in and sign-out, phone checks and corrections, work-log
    entries, leave, article credit. The core has answered the roll already
    (departed by then, not yet joined: the hook is not asked); answer only what
    your plugin knows, e.g. training: no pre-job exam passed by that day
    (TRN-1). Return ``[]`` when you have nothing against it. It runs on every
    such write: keep it to a query or two, and write nothing.

    A plugin that records such work calls :func:`xinyi_core.require_on_duty`
    (refused, audited, nothing written) rather than checking status itself.
    """


@hookspec
def xinyi_seed_on_duty(people: list[Person]) -> None:
    """Give people placed on duty outside the system's own onboarding what your rules expect of them.

    *Per town* (theirs). Called by the test city
    (:func:`xinyi_core.testing.build_city`) for its assistants, who were on duty
    before the system: a plugin whose :func:`xinyi_duty_refusals` asks for a
    record adds it here, so tests of every plugin start from assistants who may
    work (training: a passed pre-job exam before they joined, TRN-1). Write only
    to the database.
    """


@hookspec
def xinyi_person_changed(person: Person, change: str, detail: dict[str, Any]) -> None:
    """Called after ``person`` was hired, transferred, changed status or departed.

    *Per town.* ``change`` is one of ``hired``, ``transferred``, ``status``,
    ``updated``; ``detail`` holds the before/after values. Plugins close what no
    longer applies (pending leave of a departed assistant, training invitations).

    *Inside the transaction* of the change: what the hook writes commits with
    it, so a crash never leaves a departed person with open leave. Write only
    to the database here; an exception undoes the change.
    """


@hookspec
def xinyi_approval_finished(chain: ApprovalChain) -> None:
    """Called once when an approval chain ends (approved, rejected or withdrawn).

    *City level*: every plugin hears it, so a chain started before a town
    disabled a plugin still reaches it. The plugin that started the chain
    (``chain.kind``) updates its own record; the others ignore it.

    *Inside the transaction* that ends the chain: what the hook writes commits
    together with the decision, so a crash never leaves a chain ended and its
    record unchanged. Write only to the database here (no files, no jobs);
    an exception undoes the decision.
    """


@hookspec
def xinyi_alert_raised(alert: Alert) -> None:
    """Called once when a new :class:`xinyi_core.Alert` is opened.

    *Per town* (the alert's). ``alert.source`` is the plugin that raised it,
    ``alert.kind`` and ``alert.rule`` say what it is (e.g. ``off_post`` /
    ``ATT-6``). Its details come typed from ``alerts.payload_of(alert, OffPostAlert)``
    — a :class:`xinyi_core.AlertPayload` declared in the core, with codes, not
    display text — and None for an alert that is not of that type. This is how
    plugins react to each other without importing each other.

    *Inside the transaction* that opens the alert, so the alert and what
    listeners make of it (a departure proposal) exist together or not at all.
    Write only to the database here; an exception undoes the alert.
    """


# --------------------------------------------------------------------------- UI

@hookspec
def xinyi_screens() -> list[ScreenEntry]:
    """Navigation entries this plugin adds to the terminal UI.

    *Per town* (the operator's), called once at login. Return
    :class:`xinyi_core.ScreenEntry` objects: key wish, title key, required
    permission, a factory building the Textual screen, and its business group.
    Entries are shown to an operator only if the plugin is enabled for her town
    and she holds the permission; each is on the home menu under its group with
    a two-key path (``2c``), and in the command palette (Ctrl+P).

    - ``group``: one of ``xinyi_core.types.SCREEN_GROUPS`` (``"attendance"``,
      ``"leave"`` …, ``"system"``); anything else is shown under 0 其他. F3–F10
      open the first entry of groups 1–8 an operator may open.
    - ``key``: ``""``, or a letter the entry would like within its group. The
      core gives letters (first come, in registration order; n e d p s h j k q
      are every screen's); a letter taken or reserved, or an F-key, is not
      given — the entry gets the next free letter and ``xinyi plugins`` says so.
    - ``title``: the catalogue key of the title (``"leave.title"``); it is also
      the entry's id, which :class:`xinyi_core.DashboardItem` ``screen`` names.
    - ``factory()``: returns a new screen, built once per session and kept
      alive while the operator works elsewhere. Subclass
      ``xinyi_core.tui.screens.XinyiScreen`` (operator bar, key footer,
      ``self.operator``, ``PERMISSIONS`` to hide actions) and build lists and
      forms with ``xinyi_core.tui.widgets.RecordList`` and ``Form``. If the
      screen defines ``apply_params(params)``, a to-do's ``params`` are passed
      to it when the to-do is opened.

    A plugin whose hook raises is reported on the home screen and skipped; the
    other plugins' screens stay available.
    """


@hookspec
def xinyi_dashboard_items(operator: Operator) -> list[DashboardItem]:
    """To-dos for ``operator``'s home screen: approvals waiting, alerts.

    *Per town* (the operator's), called off the UI thread each time the home
    screen is shown, so keep it to a few counting queries. Return
    :class:`xinyi_core.DashboardItem` objects; each names the screen that opens
    when the operator picks it (a :class:`xinyi_core.ScreenEntry` title key, or
    a core one: ``"tui.nav.people"`` — ``params`` may hold ``town_id``,
    ``village_id``, ``status``, ``text`` — ``"tui.nav.org"``,
    ``"tui.nav.calendar"``, ``"tui.nav.jobs"``). Urgent items are listed first.
    """


@hookspec
def xinyi_dashboard_series(operator: Operator, period: str) -> list[DashboardChart]:
    """Charts for the dashboard screen (数据看板) of ``operator`` for the month ``period`` (``"2026-11"``).

    *Per town* for a town's operator (her town's plugins), every plugin for the city. Called off the
    UI thread each time the dashboard is opened or its month changed. Return
    :class:`xinyi_core.DashboardChart` objects: ``key``, Chinese ``title`` and ``short`` (selector),
    ``kind`` (``"hbar"``, ``"stacked"``, ``"line"``, ``"vbar"``), ``labels`` and ``series`` (name →
    one value per label), ``unit``, optional ``cap`` line; the screen draws each and shows its numbers
    as a table (``t``).

    Compute with SQL aggregates (``GROUP BY`` town or month), never a loop over people: the city's
    dashboard must open at once on 20,000 assistants. Keep to the operator's scope with
    :func:`xinyi_core.dashboard.by_town`: the city sees every town by name, a town's operator her
    town against the city average and no other town's name. The core asks only for an operator with
    the permission ``dashboard.view`` (the city office, the town heads): no check of it needed here.
    """


# --------------------------------------------------------------------------- jobs & reports

@hookspec
def xinyi_actors() -> list[ActorSpec]:
    """Background functions this plugin runs on the job queue.

    Called once per process when the queue starts. Return
    :class:`xinyi_core.ActorSpec` objects: ``ActorSpec(name, fn, title_key,
    queue="default", max_retries=None, time_limit_s=3600,
    permission="reports.run")``. Names are prefixed with the plugin's name
    (``"leave.remind_overdue"``). The core declares each as a dramatiq actor
    on the configured broker (Redis, or in-process threads without it).

    ``fn(job, **params)`` receives a :class:`xinyi_core.JobContext` — call
    ``job.progress(fraction, message_zh)`` as it goes — and the JSON
    parameters given to :func:`xinyi_core.jobs.submit`; it may return output
    file paths. Every run has a :class:`xinyi_core.jobs.JobRecord` (state,
    progress, outputs, error) the job panel shows. An exception is retried
    with exponential backoff; a :class:`xinyi_core.XinyiError` carries the
    Chinese message the operator sees when the job finally fails. Make
    ``fn`` safe to run twice: a job whose worker died is delivered again.
    """


@hookspec
def xinyi_schedules() -> list[Schedule]:
    """Cron schedules for this plugin's actors and reports.

    Return :class:`xinyi_core.Schedule` objects: ``Schedule(name, target,
    cron, params=None, per_town=True)``. ``cron`` is a crontab line (minute
    hour day month weekday; 0 or 7 = Sunday) in the city's time zone
    (Asia/Shanghai); ``params(fire_time)`` gives the job's parameters, e.g.
    :func:`xinyi_core.previous_month` for a report of the month just ended.
    ``xinyi scheduler`` sends a per-town run only to the towns that enabled
    this plugin, and — through a unique run key (schedule, town, fire time) —
    exactly once however many schedulers are running.
    """


@hookspec
def xinyi_reports() -> list[ReportSpec]:
    """Reports this plugin produces.

    Return :class:`xinyi_core.ReportSpec` objects: ``ReportSpec(name,
    title_key, render, formats=("xlsx",), period="month", city_wide=True,
    permission="reports.run")``. ``render(ctx, fmt, path)`` writes one format
    to ``path`` with the helpers of :mod:`xinyi_core.export` (A4, Chinese
    fonts, print titles, official table layouts); ``ctx`` is a
    :class:`xinyi_core.ReportContext` (period, town or None for the city,
    ``progress``). The core writes every format to a temporary name and
    renames them together to
    ``<report_dir>/<name>/<period>/<unit>_<period>_<title>.<fmt>`` (named for
    people: ``新安街道_2026年11月_月度考勤汇总.xlsx``), so one report, period and
    town has one result however often it runs.

    ``by_town=True`` (with ``city_formats``): a run for the whole city writes
    every town's files first, each as a run for that town would, with the
    job's progress town by town, then the city's own files — what a city
    prints per town (a year of leave stubs) stays one town's size.

    Reports run now with ``xinyi report NAME --period … --town … --out DIR``,
    on the queue with ``--enqueue`` or :func:`xinyi_core.jobs.submit`, or on
    a schedule.
    """


# --------------------------------------------------------------------------- demo & CLI

@hookspec
def xinyi_demo_data(city: OrgUnit, rng: random.Random) -> None:
    """Create realistic demo records for the demo city.

    Called by ``xinyi demo`` after the org tree, people and operators exist,
    each plugin in its own transaction, in pluggy's call order. A plugin whose
    records others read through hooks (leave days as calendar marks) declares
    ``@hookimpl(tryfirst=True)``; one that gathers everyone's facts
    (assessment) declares ``@hookimpl(trylast=True)``. Use ``rng`` for every random
    choice so the demo is reproducible.
    """


@hookspec
def xinyi_cli(cli: click.Group) -> None:
    """Add subcommands to the ``xinyi`` command (a :class:`click.Group`)."""
