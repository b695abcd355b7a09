"""TRN-3: one publicity article per assistant per quarter — submissions, the quarter view, reminders
(two weeks and three days before quarter end, on a fixed clock), the shortfall list and the facts."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from xinyi_core import alerts, clock, reports, runtime
from xinyi_core.config import TownConfig
from xinyi_core.errors import FormErrors, PermissionDenied
from xinyi_core.jobs import JobContext, JobRecord, broker, registry
from xinyi_core.jobs.scheduler import fire, trigger
from xinyi_core.models import Alert, AuditLog, Person
from xinyi_training.jobs import send_reminders
from xinyi_training.service import quota, record
from xinyi_training.rules import Quarter

D = dt.date
Q4 = Quarter(2026, 4)


def submit(city, person, on: dt.date, title="我村开展就业政策宣传", op=None):
    with clock.frozen(max(on, D(2026, 11, 26))):
        return quota.submit_article(op or city.op("town_clerk", person.town.code), person.id, title=title,
                                    published_on=on, outlet="新沂人社公众号")


def open_reminders(days=None):
    q = Alert.select().where((Alert.kind == "quota_reminder") & (Alert.state == "open"))
    return {(a.person_id, a.data["days"]) for a in q if days is None or a.data["days"] == days}


def ids(people):
    return {p.id for p in people}


def test_trn3_an_article_counts_for_the_quarter_of_its_publication_date(city):
    a0, a1 = city.people["a"][:2]
    submit(city, a0, D(2026, 9, 30))  # Q3's last day
    submit(city, a1, D(2026, 10, 1))  # Q4's first day
    q3 = {r.person.id: r.missing for r in quota.view(city.op("town_clerk", "a"), Quarter(2026, 3))}
    q4 = {r.person.id: r.missing for r in quota.view(city.op("town_clerk", "a"), Q4)}
    assert (q3[a0.id], q3[a1.id]) == (0, 1)
    assert (q4[a0.id], q4[a1.id]) == (1, 0)


def test_trn3_quarter_view_by_town_lists_who_is_short_within_scope(city):
    a0 = city.people["a"][0]
    submit(city, a0, D(2026, 10, 20))
    clerk = city.op("town_clerk", "a")
    short = quota.view(clerk, Q4, only_short=True)
    assert ids(r.person for r in short) == ids(city.people["a"][1:])  # town b never shows to a's clerk
    everyone = quota.view(city.op("city_office"), Q4, town_id=city.towns[1].id)
    assert ids(r.person for r in everyone) == ids(city.people["b"]) and all(r.missing == 1 for r in everyone)
    runtime().config.settings["training"]["articles_per_quarter"] = 2  # the quota is configurable
    assert [r.missing for r in quota.view(clerk, Q4) if r.person.id == a0.id] == [1]


def test_trn3_the_screens_reads_stay_in_the_operators_scope(city):
    """What the quota and record screens and the assistant's to-do show is read within scope: the
    towns to filter by, her own quarter, and a person's record (another town's: refused, audited)."""
    a0, a1 = city.people["a"][:2]
    submit(city, a1, D(2026, 10, 20))
    clerk, me = city.op("town_clerk", "a"), city.op("assistant", "a")  # she is a0
    assert quota.towns(clerk) == [city.towns[0]] and quota.towns(city.op("city_office")) == city.towns
    mine = quota.own_row(me, Q4)
    assert (mine.person.id, mine.submitted, mine.missing) == (a0.id, 0, 1)  # a1's article is not hers
    with pytest.raises(PermissionDenied):
        quota.own_row(clerk, Q4)  # a clerk owes no article of her own
    got = record.person_record(clerk, a1.id, 2026)
    assert got.person == a1 and [a.title for a in got.articles] == ["我村开展就业政策宣传"]
    assert got.per_quarter == {Q4: 1} and got.quota == 1 and got.passed_exam is not None  # on duty: TRN-1
    assert record.person_record(me, a0.id, 2026).articles == []
    for op, person in ((city.op("town_clerk", "b"), a1), (me, a1)):
        with pytest.raises(PermissionDenied):
            record.person_record(op, person.id, 2026)
    refused = [r for r in AuditLog.select().where(AuditLog.action == "people.view") if not r.allowed]
    assert len(refused) == 2


def test_trn3_a_submission_needs_title_outlet_and_a_past_date_and_an_assistant_reports_only_her_own(city):
    me = city.op("assistant", "a")
    with clock.frozen(D(2026, 11, 26)):
        with pytest.raises(FormErrors) as err:
            quota.submit_article(me, me.person_id, title="", published_on="2026-12-01", outlet=" ")
        assert set(err.value.errors) == {"title", "published_on", "outlet"}
        with pytest.raises(PermissionDenied):
            quota.submit_article(me, city.people["a"][1].id, title="x", published_on="2026-11-01", outlet="y")
        quota.submit_article(me, me.person_id, title="标题", published_on="2026-11-01", outlet="新沂日报")
    assert [a.title for a in quota.person_articles(me.person_id, 2026)] == ["标题"]


@pytest.mark.both_backends
def test_trn3_reminders_fire_14_and_3_days_before_quarter_end_once_each_for_those_short(city):
    everyone = city.people["a"] + city.people["b"]
    done = city.people["a"][1]
    submit(city, done, D(2026, 11, 2))
    short = ids(everyone) - {done.id}
    with clock.frozen(D(2026, 12, 16)):
        assert send_reminders(clock.today()) == 0  # 15 days before: too early
    with clock.frozen(D(2026, 12, 17)):  # 14 days before Dec 31
        assert send_reminders(clock.today()) == len(short)
        assert send_reminders(clock.today()) == 0  # run twice: nothing new
    assert open_reminders() == {(p, 14) for p in short}
    with clock.frozen(D(2026, 12, 18)):
        assert send_reminders(clock.today()) == 0
    late = city.people["b"][2]
    submit(city, late, D(2026, 12, 20))  # the quota met closes her reminder
    with clock.frozen(D(2026, 12, 28)):  # 3 days before
        assert send_reminders(clock.today()) == len(short) - 1
    assert open_reminders() == {(p, 3) for p in short - {late.id}}  # the 14-day ones are superseded
    with clock.frozen(D(2027, 1, 1)):  # a new quarter: nothing due
        assert send_reminders(clock.today()) == 0
    alert = Alert.get(Alert.key == "training:" + quota.reminder_key(city.people["a"][0].id, Q4, 3))
    assert alert.rule == "TRN-3" and "2026年第四季度宣传信息还差 1 篇" in alert.message and "还有 3 天" in alert.message


def test_trn3_reminders_reach_the_assistant_and_her_town_clerk(city):
    with clock.frozen(D(2026, 12, 17)):
        send_reminders(clock.today())
    me = city.op("assistant", "a")
    assert [a.person_id for a in alerts.visible(me)] == [me.person_id]
    assert ids(Person.get_by_id(a.person_id) for a in alerts.visible(city.op("town_clerk", "a"))) == \
        ids(city.people["a"])
    assert alerts.visible(city.op("city_office")).count() == 0


def test_trn3_leap_year_first_quarter_reminder_and_a_29_february_article(city):
    a0 = city.people["a"][0]
    with clock.frozen(D(2028, 3, 1)):
        quota.submit_article(city.op("town_clerk", "a"), a0.id, title="x", published_on="2028-02-29", outlet="y")
    with clock.frozen(D(2028, 3, 16)):
        assert send_reminders(clock.today()) == 0
    with clock.frozen(D(2028, 3, 17)):
        assert send_reminders(clock.today(), "a") == 3  # one town; a0 is not short
    assert a0.id not in {p for p, _ in open_reminders()}


def test_trn3_a_town_that_disabled_the_plugin_gets_no_reminders(city):
    runtime().config.towns["b"] = TownConfig(plugins=())
    with clock.frozen(D(2026, 12, 17)):
        assert send_reminders(clock.today()) == 4
    assert ids(Person.get_by_id(p) for p, _ in open_reminders()) == ids(city.people["a"])


@pytest.mark.both_backends
def test_trn3_shortfall_list_per_town_and_for_the_city(city, tmp_path):
    submit(city, city.people["a"][0], D(2026, 11, 2))
    spec = registry().reports["training.shortfall"]
    with clock.frozen(D(2027, 1, 1)):
        town_file, = reports.run(spec, {"period": "2026-Q4", "town": "a"}, JobContext(None), out_dir=tmp_path)
        city_file, = reports.run(spec, {"period": "2026-Q4", "town": None}, JobContext(None), out_dir=tmp_path)
    assert town_file == tmp_path / "training.shortfall" / "2026-Q4" / "甲镇_2026年第4季度_宣传信息缺报名单.xlsx"
    ws = openpyxl.load_workbook(town_file).active
    assert ws["A1"].value == "甲镇2026年第四季度宣传信息缺报名单"
    names = [ws.cell(row=r, column=2).value for r in range(4, 4 + 3)]
    assert sorted(names) == sorted(p.name for p in city.people["a"][1:])
    assert ws.cell(row=7, column=2).value != city.people["a"][0].name
    ws = openpyxl.load_workbook(city_file).active
    assert ws["C3"].value == "镇（街道）" and ws.max_row >= 3 + 7


def test_trn3_shortfall_list_is_scheduled_on_the_first_day_of_the_next_quarter(city):
    reg = registry()
    schedule = reg.schedules["training.shortfall.quarterly"]
    nxt = trigger(schedule.cron, "Asia/Shanghai").get_next_fire_time(
        None, dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc))
    assert (nxt.year, nxt.month, nxt.day) == (2027, 1, 1)
    after_q1 = trigger(schedule.cron, "Asia/Shanghai").get_next_fire_time(
        None, dt.datetime(2027, 3, 31, 12, tzinfo=dt.timezone.utc))
    assert (after_q1.month, after_q1.day) == (4, 1)
    daily = reg.schedules["training.quota_reminders.daily"]
    assert daily.target == "training.quota_reminders" and daily.cron == "0 8 * * *"

    broker.start()
    with clock.frozen(dt.datetime(2027, 1, 1, 6, 0)):
        sent = fire(schedule, dt.datetime(2027, 1, 1, 6, 0))
        assert fire(schedule, dt.datetime(2027, 1, 1, 6, 0)) == []  # once per run
        records = [JobRecord.get_by_id(i) for i in sent]
        assert {(r.town_code, r.params["period"]) for r in records} == {("a", "2026-Q4"), ("b", "2026-Q4")}
        broker.stop()  # lets the in-process worker finish
    files = sorted(p.name for p in (runtime().config.report_dir / "training.shortfall" / "2026-Q4").iterdir())
    assert files == ["乙镇_2026年第4季度_宣传信息缺报名单.xlsx", "甲镇_2026年第4季度_宣传信息缺报名单.xlsx"]


def test_trn3_reminder_actor_runs_daily_for_one_town(city):
    spec = registry().actors["training.quota_reminders"]
    with clock.frozen(D(2026, 12, 17)):
        assert spec.fn(JobContext(None), town="b") == []
    assert ids(Person.get_by_id(p) for p, _ in open_reminders()) == ids(city.people["b"])


def test_trn3_quarters_short_in_the_year_are_an_assessment_fact(city):
    a0, a1 = city.people["a"][:2]
    for day in (D(2026, 2, 3), D(2026, 8, 9)):
        submit(city, a0, day)
    Person.update(joined_on=D(2026, 5, 15)).where(Person.id == a1.id).execute()  # owes from Q3 only
    hooks = runtime().plugins.for_town("a")
    with clock.frozen(D(2026, 11, 26)):  # Q4 is not over: not counted yet
        f0, = [f for fs in hooks.xinyi_assessment_facts(person=Person.get_by_id(a0.id), year=2026) for f in fs
               if f.rule == "TRN-3"]
        f1, = [f for fs in hooks.xinyi_assessment_facts(person=Person.get_by_id(a1.id), year=2026) for f in fs
               if f.rule == "TRN-3"]
    assert f0.value == 1 and f0.evidence == ("2026年第二季度：已报 0 篇，应报 1 篇",) and f0.item is None
    assert f1.value == 1 and f1.evidence == ("2026年第三季度：已报 0 篇，应报 1 篇",)
    with clock.frozen(D(2027, 1, 5)):
        f0, = [f for fs in hooks.xinyi_assessment_facts(person=Person.get_by_id(a0.id), year=2026) for f in fs
               if f.rule == "TRN-3"]
    assert f0.value == 2  # Q4 ended short too


@pytest.mark.both_backends
def test_the_sessions_waiting_for_attendance_are_read_through_their_own_index(city):
    """Migration 3 (issue 21): invitations are indexed by (state, attendance, session) on both databases,
    so the home screen's "sessions waiting for attendance" reads only the open invitations with nothing
    recorded, not every open invitation of the city."""
    from xinyi_core import database, db

    schema = None if db.is_sqlite() else database.execute_sql("SELECT current_schema()").fetchone()[0]
    indexes = {i.name: i.columns for i in database.get_indexes("training_invitation", schema)}
    assert indexes["training_invitation_awaiting"] == ["state", "attendance", "session_id"]
