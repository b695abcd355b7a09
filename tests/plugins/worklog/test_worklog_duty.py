"""TRN-1 / ORG-2 in the work log (WORK-2): an entry only for a day its writer was on duty.

An assistant who has not passed the pre-job exam, failed it (45 of 60), had
left by that day or joins after it is refused in Chinese, the refusal audited,
no entry written — drafts included, and no visit in her register (WORK-1). The cases are built in ``_duty_cases``.
"""
from __future__ import annotations

import pytest

from xinyi_core import PermissionDenied
from xinyi_worklog import service
from xinyi_worklog.service import register
from xinyi_worklog.models import LogEntry, RegisterItem

from _duty_cases import CASES, build, on_the_day, operator_for, refusals


@pytest.mark.parametrize("backend", ["sqlite"])  # the one core check; its database work is attendance's test
@pytest.mark.parametrize("case", CASES)
def test_trn1_no_work_log_entry_for_a_day_she_was_not_on_duty(city, case):
    c = build(city, case)
    me = operator_for(c.person)
    values = {"day": c.day, "category": service.duties()[0], "task": "失业人员走访",
              "progress": "入户走访失业人员三户，登记就业意向"}
    with on_the_day(c, "17:00"):
        for submit in (True, False):
            with pytest.raises(PermissionDenied) as refused:
                service.save(me, values, submit=submit)
            assert c.reason in str(refused.value) and c.person.name in str(refused.value)
        with pytest.raises(PermissionDenied, match=c.reason.split("（")[0]):  # nor a visit in her register (WORK-1)
            register.record(me, {"at": "10:30", "party": "王大爷", "matter": "咨询城乡居民养老保险缴费"})
    rows = refusals(c.person, "worklog.write")
    assert len(rows) == 2 and all(c.reason in r.note and r.operator_id == me.id for r in rows)
    assert c.reason in refusals(c.person, "worklog.register")[0].note
    assert LogEntry.select().count() == 0 and RegisterItem.select().count() == 0
