"""ACCESS (issue 11): every guarded service function × every role — who may, who may not.

One test id per cell (case × role). An allowed role's call succeeds and is
audited; every other role is refused with a Chinese message, exactly one
refusal row in the audit trail, and nothing written. The cases are data
(``_access_cases.CASES``); the city is built once and copied per test.
"""
from __future__ import annotations

import pytest

from _access_cases import CASES, Case
from _access_helpers import ROLES, World, expect_refused, refusals, writes


def test_every_case_names_real_roles_and_refuses_someone_or_is_a_read():
    for c in CASES:
        assert set(c.allowed) <= set(ROLES), c.name
        assert set(c.allowed) != set(ROLES) or not c.write, f"{c.name}: a write every role may make?"
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_role_may_or_may_not_call_the_service(world: World, case: Case, role: str):
    subject = case.setup(world) if case.setup else None
    op = world.op(role)
    if role in case.allowed:
        refused_before, written_before = len(refusals(op)), len(writes(op))
        case.call(world, op, subject)
        assert len(refusals(op)) == refused_before
        if case.write:
            assert len(writes(op)) > written_before, f"{case.name} by {role} left no audit row"
    else:
        refusal = expect_refused(op, lambda: case.call(world, op, subject))
        assert refusal.row.operator_name == op.display_name
