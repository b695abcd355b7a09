"""TRN-1 / ORG-2 for leave (ATT-3): leave only for days the person is on duty.

A slip or an oral report for someone who has not passed the pre-job exam,
failed it (45 of 60), had left by then or joins later is refused in Chinese,
the refusal audited, no leave and no approval chain written. The cases are
built in ``_duty_cases``.
"""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import PermissionDenied
from xinyi_core.models import ApprovalChain
from xinyi_leave import service
from xinyi_leave.models import LeaveRequest

from _duty_cases import CASES, build, on_the_day, refusals

from .conftest import slip


@pytest.mark.parametrize("backend", ["sqlite"])  # the one core check; its database work is attendance's test
@pytest.mark.parametrize("case", CASES)
def test_trn1_no_leave_for_a_person_not_on_duty_on_its_days(city, case):
    c = build(city, case)
    clerk = city.op("town_clerk", "a")
    start, end = c.day.isoformat(), (c.day + dt.timedelta(days=1)).isoformat()
    with on_the_day(c):
        with pytest.raises(PermissionDenied) as refused:
            service.apply(clerk, c.person, slip(start, end))
        assert c.reason in str(refused.value) and c.person.name in str(refused.value)
        with pytest.raises(PermissionDenied, match=c.reason.split("（")[0]):
            service.report_oral(clerk, c.person, {"category": "sick", "start_on": start, "end_on": end,
                                                  "oral_reporter": "本人电话报告"})
    assert [r.action for r in refusals(c.person, "leave.apply")] == ["leave.apply"]
    assert c.reason in refusals(c.person, "leave.oral")[0].note
    assert LeaveRequest.select().count() == 0 and ApprovalChain.select().count() == 0


@pytest.mark.parametrize("backend", ["sqlite"])
def test_org2_leave_running_past_her_departure_is_refused_too(city):
    """She is on duty on the first day but has left by the last: refused on the last day's reason."""
    c = build(city, "departed")  # left on 2026-02-01
    with on_the_day(c):
        with pytest.raises(PermissionDenied, match="已离职"):
            service.apply(city.op("town_clerk", "a"), c.person, slip("2026-01-29", "2026-02-03"))
    assert LeaveRequest.select().count() == 0
