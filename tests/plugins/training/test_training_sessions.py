"""TRN-2: in-service sessions by the city or a town, attendance, calendar marks and the facts for assessment."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import clock, people, runtime
from xinyi_core.errors import FormErrors, NotFound, PermissionDenied, ValidationError
from xinyi_core.models import AuditLog
from xinyi_training import service
from xinyi_training.models import Invitation, TrainingSession

MAR10 = dt.date(2026, 3, 10)


def in_service_states():
    """Invitation states by session, leaving out the test city's own pre-job exam (TRN-1)."""
    q = Invitation.select().join(TrainingSession).where(TrainingSession.kind == "in_service")
    return {i.session_id: i.state for i in q}


def hooks(person):
    return runtime().plugins.for_town(person.town.code)


def marks(person, start, end):
    return [m for ms in hooks(person).xinyi_calendar_marks(person=person, start=start, end=end) for m in ms
            if m.kind == "training"]


def training_facts(person, year=2026):
    return {f.rule: f for fs in hooks(person).xinyi_assessment_facts(person=person, year=year) for f in fs
            if f.rule.startswith("TRN")}


@pytest.mark.both_backends
def test_trn2_excused_and_unexcused_absence_only_the_unexcused_becomes_an_assessment_fact(city, session_of):
    clerk = city.op("town_clerk", "a")
    a0, a1, a2 = city.people["a"][:3]
    s1 = session_of(op=clerk, organiser=city.towns[0], title="政策业务培训", start=MAR10)
    s2 = session_of(op=clerk, organiser=city.towns[0], title="社保卡业务培训", start=dt.date(2026, 5, 12))
    with clock.frozen(dt.date(2026, 5, 12)):
        service.invite(clerk, s1.id, [a0, a1, a2])
        service.invite(clerk, s2.id, [a0])
        inv = {i.person_id: i for i in service.invitations(clerk, s1.id)}
        with pytest.raises(ValidationError, match="事由"):
            service.record_attendance(clerk, inv[a0.id].id, "excused", "")
        service.record_attendance(clerk, inv[a0.id].id, "excused", "病假（已批准）")
        service.record_attendance(clerk, inv[a1.id].id, "unexcused")
        service.record_attendance(clerk, inv[a2.id].id, "present")
        service.record_attendance(clerk, service.invitations(clerk, s2.id).get().id, "unexcused")

    facts_a0 = training_facts(a0)["TRN-2"]
    assert facts_a0.value == 1 and facts_a0.item is None  # the excused one does not count
    assert facts_a0.evidence == ("2026-05-12 社保卡业务培训",)
    assert training_facts(a1)["TRN-2"].value == 1
    assert "TRN-2" not in training_facts(a2)
    assert "TRN-2" not in training_facts(a1, year=2025)
    assert AuditLog.select().where(AuditLog.action == "training.attendance").count() == 4


def test_trn2_training_days_are_excused_calendar_marks_for_the_invited_only(city, session_of):
    office = city.op("city_office")
    a0, a1 = city.people["a"][:2]
    session = session_of(title="全市协理员培训班", start=MAR10, end=dt.date(2026, 3, 12))
    service.invite(office, session.id, [a0])
    got = marks(a0, dt.date(2026, 3, 1), dt.date(2026, 3, 11))
    assert [m.date for m in got] == [MAR10, dt.date(2026, 3, 11)]  # clipped to the asked range
    assert all(m.excused and m.label == "培训：全市协理员培训班" for m in got)
    assert marks(a1, dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == []


def test_trn2_a_town_organises_for_its_own_people_only(city, session_of):
    clerk_a, clerk_b = city.op("town_clerk", "a"), city.op("town_clerk", "b")
    with pytest.raises(PermissionDenied):  # a town cannot organise in the city's name
        service.create_session(clerk_a, kind="in_service", title="x", organiser=city.city, start_on="2026-03-10")
    with pytest.raises(PermissionDenied):
        service.create_session(clerk_a, kind="in_service", title="x", organiser=city.towns[1], start_on="2026-03-10")
    session = session_of(op=clerk_a, organiser=city.towns[0])
    with pytest.raises(PermissionDenied):
        service.invite(clerk_a, session.id, [city.people["b"][0]])  # out of scope: refused and audited
    refused = AuditLog.select().where((AuditLog.action == "training.manage")
                                      & (AuditLog.allowed == False))  # noqa: E712
    assert refused.count() == 3  # every refused attempt is on record
    with pytest.raises(ValidationError, match="不属于"):  # even the city cannot put b's people in a's session
        service.invite(city.op("city_office"), session.id, [city.people["b"][0]])
    service.invite(clerk_a, session.id, [city.people["a"][0]])
    inv = Invitation.get(Invitation.session == session.id)
    with clock.frozen(MAR10), pytest.raises(PermissionDenied):
        service.record_attendance(clerk_b, inv.id, "present")  # another town's session
    prejob = TrainingSession.get(TrainingSession.kind == "pre_job")  # the test city's own exam, the city's
    assert [s.id for s in service.visible_sessions(clerk_b)] == [prejob.id]  # b sees the city's and its own only
    assert [s.id for s in service.visible_sessions(city.op("village_head", "a"))] == [session.id, prejob.id]


def test_trn2_the_screens_reads_stay_in_the_operators_scope(city, session_of):
    """What the session screens and forms show is read through the operator's scope: whom she may
    organise for and invite, the organiser's name, the attendance counts and one invitation."""
    clerk_a, clerk_b, office = city.op("town_clerk", "a"), city.op("town_clerk", "b"), city.op("city_office")
    session = session_of(op=clerk_a, organiser=city.towns[0])
    service.invite(clerk_a, session.id, city.people["a"][:2])
    inv = service.invitations(clerk_a, session.id).get()
    assert service.organisers(clerk_a) == [city.towns[0]] and service.organisers(office) == [city.city]
    assert service.organisers(city.op("village_head", "a")) == []
    assert {u.id for u in service.invite_units(clerk_a, session.id)} == \
        {city.towns[0].id, *(v.id for v in city.villages["a"])}
    assert {u.id for u in service.invite_units(office, session.id)} == \
        {city.towns[0].id, *(v.id for v in city.villages["a"])}  # a town's session: that town only
    assert [s.organiser.name for s in service.visible_sessions(clerk_a) if s.id == session.id] == ["甲镇"]
    assert service.attendance_counts(clerk_a, [session.id]) == {session.id: {None: 2}}
    assert service.attendance_counts(clerk_b, [session.id]) == {}  # not hers to see: no count
    assert service.get_invitation(clerk_a, inv.id) == inv
    with pytest.raises(NotFound, match="不在管辖范围内"):  # another town's session does not exist for her
        service.get_invitation(clerk_b, inv.id)
    with pytest.raises(NotFound, match="不在管辖范围内"):
        service.invite_units(clerk_b, session.id)


def test_trn2_a_session_form_reports_every_bad_field(city):
    with pytest.raises(FormErrors) as err:
        service.create_session(city.op("city_office"), kind="in_service", title=" ", organiser=city.city,
                               start_on="2026-03-10", end_on="2026-03-09")
    assert set(err.value.errors) == {"title", "end_on"}


@pytest.mark.both_backends
def test_departed_persons_open_invitations_are_closed_and_no_longer_marked(city, session_of, depart):
    office = city.op("city_office")
    person = city.people["a"][1]
    past = session_of(title="上半年培训", start=MAR10)
    future = session_of(title="下半年培训", start=dt.date(2026, 9, 8))
    service.invite(office, past.id, [person])
    service.invite(office, future.id, [person])
    with clock.frozen(dt.date(2026, 6, 1)):
        service.record_attendance(office, service.invitations(office, past.id).get().id, "present")
        depart(city, person, on=dt.date(2026, 6, 1))
    assert in_service_states() == {past.id: "open", future.id: "closed"}  # what happened stays on record
    assert marks(person, dt.date(2026, 9, 1), dt.date(2026, 9, 30)) == []
    with clock.frozen(dt.date(2026, 9, 8)), pytest.raises(ValidationError, match="已取消"):
        service.record_attendance(office, Invitation.get(Invitation.session == future.id).id, "present")
    with pytest.raises(ValidationError, match="离岗"):
        service.invite(office, future.id, [person])


def test_a_move_to_another_town_closes_invitations_to_the_old_towns_sessions_only(city, session_of):
    office = city.op("city_office")
    person = city.people["a"][0]
    town_session = session_of(op=city.op("town_clerk", "a"), organiser=city.towns[0], start=dt.date(2026, 12, 8))
    city_session = session_of(title="全市培训", start=dt.date(2026, 12, 15))
    for s in (town_session, city_session):
        service.invite(office, s.id, [person])
    with clock.frozen(dt.date(2026, 11, 26)):
        people.transfer(office, person.id, city.vacant["b"])
    assert in_service_states() == {town_session.id: "closed", city_session.id: "open"}


def test_departure_closes_her_open_quota_reminders(city, depart):
    from xinyi_core.models import Alert
    from xinyi_training.jobs import send_reminders

    person = city.people["b"][0]
    with clock.frozen(dt.date(2026, 12, 17)):
        send_reminders(clock.today(), "b")
        depart(city, person)
    mine = Alert.select().where(Alert.person == person.id)
    assert [a.state for a in mine] == ["closed"]
    assert Alert.select().where((Alert.state == "open") & (Alert.kind == "quota_reminder")).count() == 3


def test_trn2_fact_counts_in_service_sessions_only(city, session_of):
    office = city.op("city_office")
    person = city.people["a"][0]
    exam = session_of("pre_job", title="岗前培训")
    service.invite(office, exam.id, [person])
    with clock.frozen(MAR10):
        service.record_attendance(office, service.invitations(office, exam.id).get().id, "unexcused")
    assert "TRN-2" not in training_facts(person)
