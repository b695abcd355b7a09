"""ACCESS (issue 11): who holds which named action — the whole role × action table, cell by cell.

The table below is the reviewed expectation, derived from DOMAIN.md (ORG-1..3,
WORK-2, TRN-1..3, ATT-2..4, ASM-1..3) and DESIGN.md; the code's defaults are
``auth.CORE_PERMISSIONS`` plus every plugin's ``xinyi_permissions``. A change
to any default — or a new action nobody added here — fails a test.
"""
from __future__ import annotations

from typing import Iterator

import pytest

from _access_helpers import ROLES, Template, World, world_fixture
from xinyi_core import auth

# role → the actions it holds. Everything not listed is refused.
_ASSISTANT = """
    people.view calendar.view                               # herself only (scope "self")
    attendance.sign attendance.view                         # ATT-2: signs in at the village terminal
    leave.view leave.self leave.apply leave.print           # ATT-3: her own slip
    worklog.view worklog.write worklog.register             # WORK-1, WORK-2: her own log and register
    training.own training.articles                          # TRN-3: her articles
    documents.pdf                                           # her own slip as PDF, to print anywhere
"""
_VILLAGE_HEAD = """
    people.view org.view calendar.view                      # her village
    attendance.view attendance.sheet
    leave.view leave.manage leave.apply leave.print leave.approve   # ATT-4: the village's opinion
    departure.view                                          # ORG-2: the village's opinion
    worklog.view training.view training.quotas
    documents.print documents.pdf                           # the slip she signs, on the town's printer
"""
_TOWN = """
    people.view people.edit org.view calendar.view jobs.view reports.run documents.print documents.pdf
    attendance.view attendance.sheet attendance.sign attendance.correct attendance.check attendance.decide
    leave.view leave.manage leave.apply leave.print leave.oral leave.return
    worklog.view worklog.register worklog.check worklog.correct     # WORK-2: the town's monthly check
    training.view training.manage training.quotas training.articles # TRN-2: the town's sessions
    departure.view departure.report departure.handover            # ORG-2: the town centre reports
    assessment.view assessment.score assessment.monthly           # ASM-1, ASM-2
"""
_TOWN_HEAD_ONLY = """
    people.status                                           # on duty after TRN-1; not 离职 (people.depart, ORG-2)
    calendar.edit audit.view                                # ATT-1: the town sets its hours
    people.view_id                                          # the full 身份证号 and phone, audited
    operators.unlock                                        # lifts a lock-out of her town's operators
    attendance.name_clerk                                   # ATT-2: names the clerk
    leave.approve leave.cancel                              # ATT-4: approves; cancels before the start
    departure.confirm                                       # ATT-6 proposals
    assessment.grade                                        # ASM-3: the panel grades
    dashboard.view                                          # 数据看板: her town against the city average
"""
_CITY = """
    people.view people.edit people.status people.hire people.transfer people.import   # ORG-3
    people.depart                                           # ORG-2: a departure is approved by the city
    people.view_id                                          # the full 身份证号 and phone, audited
    org.view calendar.view calendar.edit audit.view jobs.view reports.run documents.print documents.pdf
    attendance.view attendance.sheet attendance.correct attendance.check attendance.decide attendance.name_clerk
    leave.view leave.manage leave.print
    worklog.view worklog.spot                               # WORK-2: the city's spot checks
    training.view training.manage training.prejob training.quotas training.articles   # TRN-1
    departure.view departure.vacancies departure.run
    assessment.view assessment.city assessment.run
    dashboard.view                                          # 数据看板: every town
"""


def _actions(*blocks: str) -> frozenset[str]:
    return frozenset(word for block in blocks for line in block.splitlines()
                     for word in line.split("#")[0].split())


EXPECTED: dict[str, frozenset[str]] = {
    "assistant": _actions(_ASSISTANT),
    "village_head": _actions(_VILLAGE_HEAD),
    "town_clerk": _actions(_TOWN),
    "town_head": _actions(_TOWN, _TOWN_HEAD_ONLY),
    "city_office": _actions(_CITY, "leave.approve"),  # ATT-4: 3 days or more, the employment office
    "bureau": _actions(_CITY, "org.edit"),  # the bureau keeps the org tree
}
ALL_ACTIONS = sorted(frozenset().union(*EXPECTED.values()) | {"operators.manage"})
EXPECTED["admin"] = frozenset(ALL_ACTIONS)  # the administrator holds every action, operators.manage too


@pytest.fixture(scope="module")
def world(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One started runtime for the whole module: these tests only read."""
    yield from world_fixture(template, tmp_path_factory.mktemp("access-matrix"))


def test_the_table_names_every_declared_action(world):
    declared = set(auth.CORE_PERMISSIONS) | set(world.runtime.plugins.permissions())
    assert declared == set(ALL_ACTIONS), (f"not in the table: {sorted(declared - set(ALL_ACTIONS))}; "
                                          f"no longer declared: {sorted(set(ALL_ACTIONS) - declared)}")


@pytest.mark.parametrize("action", ALL_ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_role_holds_exactly_the_actions_of_the_table(world, role, action):
    assert auth.can(world.op(role), action) is (action in EXPECTED[role])


@pytest.mark.parametrize("role", ROLES)
def test_every_operator_of_a_role_holds_the_same_set(world, role):
    """Town a and town b operators of one role hold the same actions (the role decides, not the town)."""
    held = {a for a in ALL_ACTIONS if auth.can(world.op(role, "a"), a)}
    assert held == {a for a in ALL_ACTIONS if auth.can(world.op(role, "b"), a)} == EXPECTED[role]
