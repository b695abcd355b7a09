"""Every guarded service function, as data: what to set up, how to call it, who may.

Each :class:`Case` is one write (or guarded read) of the core or a plugin. The
subject is always in town a — the assistant of ``assistant@a`` (village a-1) or
her records — so every town-a operator has it in scope and the matrix tests the
*role*; ``outsider`` names the role whose town-b operator tries the same call
on the same ids (the scope-escape tests). ``allowed`` is the reviewed
expectation (DOMAIN.md rule in the comment), not read from the code.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from _access_helpers import TODAY, World
from xinyi_core import approvals, audit, auth, calendar, importer, jobs, org, people
from xinyi_core.models import Operator

YEAR = TODAY.year
LAST_MONTH = "2026-08"
YESTERDAY = TODAY.date() - dt.timedelta(days=1)  # Monday 31 August 2026, a working day
NEW_HIRE = {"name": "周新", "id_number": "320381199001011239", "phone": "13912345678"}

TOWN = ("town_clerk", "town_head")
CITY = ("city_office", "bureau", "admin")


@dataclass(frozen=True)
class Case:
    name: str
    allowed: tuple[str, ...]
    call: Callable[[World, Operator, Any], Any]
    setup: Callable[[World], Any] | None = None
    write: bool = True  # success leaves an allowed audit row by the operator
    outsider: str | None = None  # role of the town-b operator that must be refused the same call
    plugins: tuple[str, ...] | None = None  # the plugins every town enables for this case (None: all)

    def __str__(self) -> str:
        return self.name


CASES: list[Case] = []


def case(name: str, allowed: tuple[str, ...], *, setup: Callable[[World], Any] | None = None, write: bool = True,
         outsider: str | None = None,
         plugins: tuple[str, ...] | None = None) -> Callable[[Callable[[World, Operator, Any], Any]], Any]:
    def register(fn: Callable[[World, Operator, Any], Any]) -> Any:
        CASES.append(Case(name, allowed, fn, setup, write, outsider, plugins))
        return fn
    return register


# --------------------------------------------------------------------------- core: people (ORG-1..3)

NEIGHBOUR = 1  # people["a"][1]: village a-1 like assistant@a, but not her


@case("people.get", ("village_head", *TOWN, *CITY), write=False, outsider="town_head")
def _(w, op, _s):
    return people.get(op, w.person("a", NEIGHBOUR).id)


@case("people.update", (*TOWN, *CITY), outsider="town_clerk")
def _(w, op, _s):
    return people.update(op, w.person("a", NEIGHBOUR).id, {"phone": "13800000009"})


@case("people.reveal", ("town_head", *CITY), outsider="town_head")  # the full 身份证号 and phone, audited
def _(w, op, _s):
    return people.reveal(op, w.person("a", NEIGHBOUR).id)


def _locked_clerk(w: World) -> int:
    """Town a's clerk, locked out after many wrong passwords."""
    clerk = w.op("town_clerk", "a")
    Operator.update(locked_until=TODAY + dt.timedelta(hours=1)).where(Operator.id == clerk.id).execute()
    return clerk.id


@case("auth.unlock", ("town_head", "admin"), setup=_locked_clerk, outsider="town_head")  # her town's, the admin's
def _(w, op, operator_id):
    return auth.unlock(op, operator_id)


@case("people.hire", CITY)  # ORG-3: vacancies are filled by the city only
def _(w, op, _s):
    return people.hire(op, dict(NEW_HIRE), w.vacant("a"))


@case("people.transfer.across_villages", CITY, setup=lambda w: org.add_post(w.village("a", 1)),
      outsider="town_head")  # ORG-3: no move across villages by a town
def _(w, op, post):
    return people.transfer(op, w.person("a", NEIGHBOUR).id, post)


@case("people.transfer.same_village", (*TOWN, *CITY), setup=lambda w: org.add_post(w.village("a", 0)),
      outsider="town_head")
def _(w, op, post):
    return people.transfer(op, w.person("a", NEIGHBOUR).id, post)


def _passed_candidate(w: World) -> int:
    """A candidate hired onto town a's vacancy who passed the city's pre-job exam (TRN-1)."""
    from xinyi_training import service

    person = people.hire(w.op("city_office"), dict(NEW_HIRE), w.vacant("a"))
    session = service.create_session(w.op("city_office"), kind="pre_job", title="岗前培训", organiser=w.city,
                                     start_on=TODAY.date())
    service.invite(w.op("city_office"), session.id, [person])
    service.record_score(w.op("city_office"), service.invitations(w.op("city_office"), session.id).get().id, 80)
    return person.id


@case("people.set_status", ("town_head", *CITY), setup=_passed_candidate, outsider="town_head")  # on duty
def _(w, op, person_id):
    return people.set_status(op, person_id, "on_duty")


# ORG-2: where no departure plugin runs the 附件5 chain, a departure is the city's act (with a reason);
# where it does, nobody sets it directly (its veto: tests/plugins/departure/test_departure_direct.py)
@case("people.set_status.departed", CITY, plugins=("attendance", "leave", "training", "worklog", "assessment"))
def _(w, op, _s):
    return people.set_status(op, w.person("a", NEIGHBOUR).id, "departed", reason="辞职")


@case("calendar.set_hours", ("town_head", *CITY), outsider="town_head")  # ATT-1: the town sets its hours
def _(w, op, _s):
    return calendar.set_hours(op, w.town("a"), dt.time(8), dt.time(17), dt.date(2026, 10, 1))


@case("audit.query", ("town_head", *CITY), write=False)
def _(w, op, _s):
    return list(audit.query(viewer=op))


def _roster(w: World) -> Any:
    path = w.tmp / "roster.csv"
    path.write_text("姓名,身份证号,手机号,镇（街道）,村（社区）\n周新,320381199001011239,13912345678,甲镇,甲镇1村\n",
                    "utf-8")
    return path


@case("people.import", CITY, setup=_roster)  # ORG-3: the roster is the city's
def _(w, op, path):
    return importer.import_people(path, op)


@case("jobs.submit.check_overdue", (*TOWN, *CITY), outsider="town_clerk")  # ATT-6, by hand
def _(w, op, _s):
    return jobs.submit(op, "leave.check_overdue", town="a")


# --------------------------------------------------------------------------- attendance (ATT-2, ATT-5)

def _open_candidate(w: World) -> Any:
    from xinyi_attendance.models import AttendanceDay

    return AttendanceDay.create(person=w.mine, town=w.town("a"), date=YESTERDAY, absence="open").id


@case("attendance.sign", ("assistant", *TOWN, "admin"), outsider="town_clerk")  # ATT-2: herself, or the clerk
def _(w, op, _s):
    from xinyi_attendance import service

    return service.sign(op, w.mine.id, "in")


@case("attendance.correct", (*TOWN, *CITY), outsider="town_clerk")
def _(w, op, _s):
    from xinyi_attendance import service

    return service.correct(op, w.mine.id, YESTERDAY, dt.time(8, 30), dt.time(17, 30), "补录：考勤机故障")


@case("attendance.record_check", (*TOWN, *CITY), outsider="town_clerk")
def _(w, op, _s):
    from xinyi_attendance import service

    return service.record_check(op, w.mine.id, TODAY - dt.timedelta(minutes=30), "本人", True)


@case("attendance.decide", (*TOWN, *CITY), setup=_open_candidate, outsider="town_clerk")  # ATT-5
def _(w, op, day_id):
    from xinyi_attendance import service

    return service.decide(op, day_id, True, "未请假且未到岗")


@case("attendance.name_clerk", ("town_head", *CITY), outsider="town_head")  # ATT-2
def _(w, op, _s):
    from xinyi_attendance import service

    return service.name_clerk(op, w.town("a"), w.op("town_clerk", "a"))


# --------------------------------------------------------------------------- leave (ATT-3, ATT-4)

def slip(start: str, end: str, category: str = "personal") -> dict[str, Any]:
    return {"category": category, "start_on": start, "end_on": end, "reason": "家中有事", "phone": "13900001111"}


def _pending_leave(w: World) -> int:
    from xinyi_leave import service

    return service.apply(w.op("assistant"), w.mine, slip("2026-09-03", "2026-09-03")).id


def _approved_leave(w: World) -> int:
    from xinyi_leave import service

    leave_id = service.apply(w.op("assistant"), w.mine, slip("2026-09-01", "2026-09-02")).id
    while (step := approvals.current_step(service.chain_of(service.LeaveRequest.get_by_id(leave_id)))) is not None:
        service.decide(w.op(step.role), leave_id, True, "同意")
    return leave_id


@case("leave.apply", ("assistant", "village_head", *TOWN, "admin"), outsider="town_clerk")
def _(w, op, _s):
    from xinyi_leave import service

    return service.apply(op, w.mine, slip("2026-09-03", "2026-09-04"))


@case("leave.report_oral", (*TOWN, "admin"), outsider="town_clerk")  # ATT-3: the town records it
def _(w, op, _s):
    from xinyi_leave import service

    return service.report_oral(op, w.mine, {"category": "sick", "start_on": "2026-09-01", "end_on": "2026-09-02",
                                            "oral_reporter": "本人电话"})


@case("leave.decide", ("village_head",), setup=_pending_leave, outsider="village_head")  # ATT-4: her step only
def _(w, op, leave_id):
    from xinyi_leave import service

    return service.decide(op, leave_id, True, "情况属实")


@case("leave.withdraw", ("assistant",), setup=_pending_leave, outsider="town_head")  # the applicant only
def _(w, op, leave_id):
    from xinyi_leave import service

    return service.withdraw(op, leave_id, "不请了")


@case("leave.extend", ("assistant", "village_head", *TOWN, "admin"), setup=_approved_leave,
      outsider="town_clerk")  # ATT-3 续假
def _(w, op, leave_id):
    from xinyi_leave import service

    return service.extend(op, leave_id, {"end_on": "2026-09-04", "reason": "病情未愈"})


@case("leave.record_return", (*TOWN, "admin"), setup=_approved_leave, outsider="town_clerk")
def _(w, op, leave_id):
    from xinyi_leave import service

    return service.record_return(op, leave_id, TODAY.date())


# --------------------------------------------------------------------------- work log (WORK-1, WORK-2)

ENTRY = {"day": TODAY.date(), "category": "就业失业登记", "task": "失业人员走访", "progress": "走访三户失业人员并登记"}


def _entry(w: World) -> int:
    from xinyi_worklog import service

    return service.save(w.op("assistant"), dict(ENTRY), submit=True).id


def _register_item(w: World) -> int:
    from xinyi_worklog.service import register

    return register.record(w.op("assistant"), {"party": "王大爷", "matter": "咨询养老保险补缴"}).id


@case("worklog.save", ("assistant",))  # WORK-2: only an assistant keeps a log — her own
def _(w, op, _s):
    from xinyi_worklog import service

    return service.save(op, dict(ENTRY), submit=True)


@case("worklog.register.record", ("assistant",))  # WORK-1: registered at her window
def _(w, op, _s):
    from xinyi_worklog.service import register

    return register.record(op, {"party": "李大姐", "matter": "询问灵活就业社保补贴"})


@case("worklog.register.close", ("assistant", *TOWN, "admin"), setup=_register_item, outsider="town_clerk")
def _(w, op, item_id):
    from xinyi_worklog.service import register

    return register.close(op, item_id, "已电话答复")


@case("worklog.check", (*TOWN, "admin"), outsider="town_clerk")  # WORK-2: the town's monthly check
def _(w, op, _s):
    from xinyi_worklog.service import checks

    return checks.record_check(op, w.mine.id, LAST_MONTH, "记载较详实")


@case("worklog.correct", (*TOWN, "admin"), setup=_entry, outsider="town_clerk")
def _(w, op, entry_id):
    from xinyi_worklog import service

    return service.correct(op, entry_id, {"progress": "走访五户失业人员并登记"}, "核对台账后更正")


@case("worklog.spot_check", CITY)  # WORK-2: the city's spot check
def _(w, op, _s):
    from xinyi_worklog.service import checks

    return checks.start_spot_check(op, LAST_MONTH, size=None)


# --------------------------------------------------------------------------- training (TRN-1..3)

def _session(w: World, kind: str = "in_service") -> Any:
    from xinyi_training import service

    if kind == "pre_job":
        return service.create_session(w.op("city_office"), kind="pre_job", title="岗前培训", organiser=w.city,
                                      start_on=TODAY.date())
    return service.create_session(w.op("town_head"), kind="in_service", title="政策培训", organiser=w.town("a"),
                                  start_on=TODAY.date())


def _invited(kind: str) -> Callable[[World], int]:
    def make(w: World) -> int:
        from xinyi_training import service

        session = _session(w, kind)
        service.invite(w.op("city_office"), session.id, [w.mine])
        return service.invitations(w.op("city_office"), session.id).get().id
    return make


@case("training.session.in_service", (*TOWN, *CITY), outsider="town_clerk")  # TRN-2: the city or a town
def _(w, op, _s):
    from xinyi_training import service

    return service.create_session(op, kind="in_service", title="业务培训", organiser=w.town("a"), start_on="2026-09-10")


@case("training.session.pre_job", CITY)  # TRN-1: the city bureau's
def _(w, op, _s):
    from xinyi_training import service

    return service.create_session(op, kind="pre_job", title="岗前培训", organiser=w.city, start_on="2026-09-10")


@case("training.invite", (*TOWN, *CITY), setup=_session, outsider="town_head")
def _(w, op, session):
    from xinyi_training import service

    return service.invite(op, session.id, [w.mine])


@case("training.attendance", (*TOWN, *CITY), setup=_invited("in_service"), outsider="town_head")
def _(w, op, invitation_id):
    from xinyi_training import service

    return service.record_attendance(op, invitation_id, "present")


@case("training.exam", CITY, setup=_invited("pre_job"), outsider="town_head")  # TRN-1: the city records scores
def _(w, op, invitation_id):
    from xinyi_training import service

    return service.record_score(op, invitation_id, 80)


@case("training.article", ("assistant", *TOWN, *CITY), outsider="town_clerk")  # TRN-3
def _(w, op, _s):
    from xinyi_training.service import quota

    return quota.submit_article(op, w.mine.id, title="灵活就业人员参保政策解读", published_on="2026-08-20",
                                outlet="新沂人社公众号")


# --------------------------------------------------------------------------- departure (ORG-2, ORG-3, ATT-6)

def _reported(w: World) -> int:
    from xinyi_departure import service

    return service.report(w.op("town_clerk"), w.mine.id, {"category": "resigned", "planned_on": "2026-12-01"}).id


def _proposed(w: World) -> int:
    from xinyi_departure.models import Departure

    me = w.mine
    return Departure.create(person=me, town=me.town_id, post_id=me.post_id, category="rescinded",
                            planned_on=dt.date(2026, 9, 15), reason="连续离岗超过7天", state="proposed",
                            source="attendance", created_at=TODAY).id


@case("departure.report", (*TOWN, "admin"), outsider="town_clerk")  # ORG-2: the town centre reports
def _(w, op, _s):
    from xinyi_departure import service

    return service.report(op, w.mine.id, {"category": "resigned", "planned_on": "2026-12-01"})


@case("departure.confirm", ("town_head", "admin"), setup=_proposed, outsider="town_head")  # ATT-6 proposal
def _(w, op, dep_id):
    from xinyi_departure import service

    return service.confirm(op, dep_id)


@case("departure.decide", ("village_head",), setup=_reported, outsider="village_head")  # ORG-2: her step only
def _(w, op, dep_id):
    from xinyi_departure import service

    return service.decide(op, dep_id, True, "属实")


@case("departure.handover", (*TOWN, "admin"), setup=_reported, outsider="town_clerk")
def _(w, op, dep_id):
    from xinyi_departure.service import handover

    return handover.add_item(op, dep_id, "村服务窗口钥匙")


@case("departure.fill_vacancy", CITY)  # ORG-3
def _(w, op, _s):
    from xinyi_departure.service import vacancies

    return vacancies.fill(op, w.vacant("a").id, dict(NEW_HIRE))


@case("jobs.submit.apply_due", CITY)
def _(w, op, _s):
    return jobs.submit(op, "departure.apply_due")


# --------------------------------------------------------------------------- assessment (ASM-1..7)

def _round(w: World) -> list[Any]:
    from xinyi_assessment import service

    return service.open_round(w.op("town_clerk"), w.town("a"), YEAR)


def _graded(w: World) -> None:
    from xinyi_assessment import service

    _round(w)
    ranked, _, _ = service.panel(w.op("town_head"), w.town("a"), YEAR)
    service.assign_grades(w.op("town_head"), w.town("a"), YEAR, _grades(ranked),
                          {r.person_id: "年内旷工五天" for r in ranked if r.earned == "fail"})


def _grades(ranked: list[Any]) -> dict[int, str]:
    return {r.person_id: "pass" if r.earned in ("excellent", "pass") else r.earned for r in ranked}


@case("assessment.open_round", (*TOWN, "admin"), outsider="town_clerk")  # ASM-1: the town centre assesses
def _(w, op, _s):
    from xinyi_assessment import service

    return service.open_round(op, w.town("a"), YEAR)


@case("assessment.deduct", (*TOWN, "admin"), setup=_round, outsider="town_clerk")  # ASM-5
def _(w, op, sheets):
    from xinyi_assessment import service

    mine = next(a for a in sheets if a.person_id == w.mine.id)
    return service.deduct(op, mine.id, 9, "ledger_error", 2, "台账缺登记两次")


@case("assessment.assign_grades", ("town_head", "admin"), setup=_round, outsider="town_head")  # ASM-3: the panel
def _(w, op, _s):
    from xinyi_assessment import service

    ranked, _, _ = service.panel(w.op("town_head"), w.town("a"), YEAR)
    return service.assign_grades(op, w.town("a"), YEAR, _grades(ranked),
                                 {r.person_id: "年内旷工五天" for r in ranked if r.earned == "fail"})


@case("assessment.submit_package", ("town_head", "admin"), setup=_graded, outsider="town_head")  # ASM-3
def _(w, op, _s):
    from xinyi_assessment import service

    return service.submit_package(op, w.town("a"), YEAR)


@case("assessment.monthly_review", (*TOWN, "admin"), outsider="town_clerk")  # ASM-2
def _(w, op, _s):
    from xinyi_assessment.service import monthly

    return monthly.review(op, w.mine.id, LAST_MONTH, attendance="全勤", work="按时完成入户调查", result="good")


@case("jobs.submit.monthly_publication", (*TOWN, *CITY), outsider="town_head")  # ASM-2: published each month
def _(w, op, _s):
    return jobs.submit(op, "assessment.monthly", period=LAST_MONTH, town="a")
