"""The training screens at 80×24, driven by key presses: sessions, attendance taking (TRN-1, TRN-2),
quotas by town and quarter and the assistant's own record (TRN-3)."""
from __future__ import annotations

import datetime as dt
import re

from xinyi_core import clock, testing
from xinyi_core.models import Person
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import Form, RecordList
from xinyi_training import service
from xinyi_training.service import quota
from xinyi_training.models import Article, Invitation, TrainingSession

SIZE = (80, 24)
TODAY = dt.date(2026, 11, 26)


async def test_town_clerk_adds_a_session_invites_a_village_and_takes_attendance(ui_city, screen_text, settle):
    clerk = ui_city.op("town_clerk", "a")
    app = XinyiApp(clerk)
    with clock.frozen(TODAY):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f7")  # 培训
            await settle(pilot)
            assert "培训管理" in screen_text(app) and "岗前培训" in screen_text(app)  # only the city's exam so far
            await pilot.press("a")
            await settle(pilot)
            form = app.screen.query_one(Form)
            assert form.value("organiser") == ui_city.towns[0].id  # her own town, the only choice
            await pilot.press("tab", *"社保卡业务培训", "ctrl+s")
            await settle(pilot)
            session = TrainingSession.get(TrainingSession.kind == "in_service")
            assert (session.title, session.organiser_id, session.start_on) == ("社保卡业务培训", ui_city.towns[0].id, TODAY)
            assert "社保卡业务培训" in screen_text(app)

            await pilot.press("i")
            await settle(pilot)
            app.screen.query_one(Form).widget("unit").value = ui_city.villages["a"][0].id
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert Invitation.select().where(Invitation.session == session.id).count() == 2  # the two on duty in a-1
            assert service.awaiting_attendance(clerk) == 1  # a to-do on her home screen

            await pilot.press("enter")
            await settle(pilot)
            text = screen_text(app)
            assert "培训出勤登记" in text and "邀请 2 人" in text and "未登记" in text
            await pilot.press("p")  # present, cursor moves on
            await pilot.press("x")  # excused: asks for the reason
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "必填" in screen_text(app)  # the reason is required, shown beside the field
            await pilot.press(*"病假", "ctrl+s")
            await settle(pilot)
            invited = Invitation.select().where(Invitation.session == session.id)
            got = {i.person.name: (i.attendance, i.reason) for i in invited}
            names = [p.name for p in ui_city.people["a"][:2]]
            assert sorted(got.values()) == [("excused", "病假"), ("present", "")]
            assert set(got) == set(names)
            assert service.awaiting_attendance(clerk) == 0
            text = screen_text(app)
            assert "出勤" in text and "请假缺席" in text and "病假" in text
            assert "无故缺席" in text.splitlines()[-1]  # the footer offers every outcome's key


async def test_city_records_a_pre_job_score_and_the_gate_result_shows(ui_city, hire_candidate, screen_text, settle):
    office = ui_city.op("city_office")
    person = hire_candidate()
    with clock.frozen(TODAY):
        session = service.create_session(office, kind="pre_job", title="岗前培训及考核", organiser=ui_city.city,
                                         start_on=TODAY)
        service.invite(office, session.id, [person])
        app = XinyiApp(office)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f7")  # 培训
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            form = app.screen.query_one(Form)
            await pilot.press(*"120", "ctrl+s")
            await settle(pilot)
            assert "0–100" in form.error("score")
            await pilot.press(*["backspace"] * 3, *"86", "ctrl+s")
            await settle(pilot)
            assert "86 分（合格）" in screen_text(app)
    assert service.exam_scores(person.id) == [(86.0, 60.0)]


async def test_quota_screen_by_town_and_quarter(ui_city, screen_text, settle):
    a0 = ui_city.people["a"][0]
    with clock.frozen(TODAY):
        quota.submit_article(ui_city.op("town_clerk", "a"), a0.id, title="x", published_on="2026-10-09", outlet="y")
        app = XinyiApp(ui_city.op("city_office"))
        async with app.run_test(size=SIZE) as pilot:
            await testing.open_entry(pilot, "training.nav.quotas")
            await settle(pilot)
            text = screen_text(app)
            assert "2026年第四季度" in text and "应报 8 人，缺报 7 人" in text
            await pilot.press("t")  # town a
            await settle(pilot)
            assert "甲镇　应报 4 人，缺报 3 人" in screen_text(app)
            await pilot.press("o")  # only those short
            await settle(pilot)
            rows = app.screen.query_one("#quota", RecordList)
            assert rows.count == 3 and a0.id not in {rows.row_at(i)[0] for i in range(rows.count)}
            await pilot.press("right_square_bracket")
            await settle(pilot)
            assert "2027年第一季度" in screen_text(app)
            await pilot.press("left_square_bracket", "left_square_bracket")
            await settle(pilot)
            assert "2026年第三季度　甲镇　应报 4 人，缺报 4 人" in screen_text(app)
            first = rows.current_id
            await pilot.press("enter")  # her training record
            await settle(pilot)
            assert f"{Person.get_by_id(first).name}　岗前培训考核：已合格" in screen_text(app)  # on duty: passed (TRN-1)
            name = Person.get_by_id(first).name  # her record, not "我的培训记录": the title says whose and from where
            assert f"宣传信息完成情况 › {name} › 培训记录" in screen_text(app).splitlines()[0]
            await pilot.press("escape")
            await settle(pilot)
            assert "宣传信息完成情况" in screen_text(app)


async def test_assistant_sees_her_record_and_reports_an_article(ui_city, screen_text, settle):
    me = ui_city.op("assistant", "a")
    with clock.frozen(TODAY):
        app = XinyiApp(me)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "2026年第四季度宣传信息待上报" in screen_text(app)  # a to-do on her home screen
            await pilot.press("f7")  # 培训: her own record
            await settle(pilot)
            text = screen_text(app)
            assert "岗前培训考核：已合格" in text and "本年尚未上报宣传信息" in text
            assert "2026 年宣传信息：每季度应报 1 篇" in text
            assert "已报：一季度 0 篇　二季度 0 篇　三季度 0 篇　四季度 0 篇" in text  # each quarter says what it counts
            await pilot.press("a")
            await settle(pilot)
            await pilot.press(*"我村开展社保卡宣传", "tab", "tab", *"新沂人社微信公众号", "ctrl+s")
            await settle(pilot)
            assert Article.get().person_id == me.person_id
            text = screen_text(app)
            assert "四季度 1 篇" in text and "我村开展社保卡宣传" in text and "新沂人社微信公众号" in text
            assert "Q4" not in text and "⏎" not in text  # no code-like quarter; her lists open nothing


RULE_ID = re.compile(r"[A-Z]{2,5}-\d")


def line_with(text: str, part: str) -> str:
    return next(line for line in text.splitlines() if part in line)


async def test_a_single_town_operator_sees_her_town_and_no_town_choice(ui_city, screen_text, settle):
    """Issue 18: the clerk of one town reads her town's name (not 全部镇（街道）), no 镇 column, no `t 换镇`;
    a village head reads her village's. The city still chooses a town (test above)."""
    with clock.frozen(TODAY):
        for op, place in ((ui_city.op("town_clerk", "a"), "甲镇"), (ui_city.op("village_head", "a"), "甲镇1村")):
            app = XinyiApp(op)
            async with app.run_test(size=SIZE) as pilot:
                app.action_open("training.nav.quotas")
                await settle(pilot)
                text = screen_text(app)
                assert f"2026年第四季度　{place}　应报" in text
                assert "全部镇" not in text and "换镇" not in text and "镇（街道）" not in text
                assert line_with(text, "姓名").split() == ["姓名", "村（社区）", "应报", "已报", "缺报"]
                await pilot.press("t")  # not hers: nothing changes
                await settle(pilot)
                assert f"2026年第四季度　{place}　应报" in screen_text(app)


async def test_sessions_say_how_many_were_recorded_of_how_many_invited(ui_city, screen_text, settle):
    """Issue 18: the progress column reads `已登记 1/2 人` under a whole heading, not a bare `1/2`;
    an attendance list with nobody invited says how to invite — only to those who may."""
    clerk = ui_city.op("town_clerk", "a")
    with clock.frozen(TODAY):
        session = service.create_session(clerk, kind="in_service", title="社保卡业务培训", organiser=ui_city.towns[0],
                                         start_on=TODAY)
        empty = service.create_session(clerk, kind="in_service", title="窗口服务规范培训",
                                       organiser=ui_city.towns[0], start_on=TODAY)
        service.invite(clerk, session.id, ui_city.people["a"][:2])
        first = service.invitations(clerk, session.id).first()
        service.record_attendance(clerk, first.id, "present")
        app = XinyiApp(clerk)
        async with app.run_test(size=SIZE) as pilot:
            app.action_open("training.nav.sessions")
            await settle(pilot)
            text = screen_text(app)
            assert line_with(text, "日期").split()[-1] == "出勤登记"
            assert line_with(text, "社保卡业务培训").endswith("已登记 1/2 人")
            assert line_with(text, "窗口服务规范培训").endswith("已登记 0/0 人")
            rows = app.screen.query_one("#sessions", RecordList)
            rows.action_jump([rows.row_at(i)[0] for i in range(rows.count)].index(empty.id))
            await pilot.press("enter")
            await settle(pilot)
            text = screen_text(app)
            assert "尚未邀请参训人员：按 Esc 回到培训管理，选中本培训按 i 邀请" in text and "⏎" not in text
        city_session = service.create_session(ui_city.op("city_office"), kind="in_service", title="全市业务培训",
                                              organiser=ui_city.city, start_on=TODAY)
        app = XinyiApp(clerk)  # the city's session: a town neither invites to it nor takes its attendance
        async with app.run_test(size=SIZE) as pilot:
            app.action_open("training.nav.sessions")
            await settle(pilot)
            rows = app.screen.query_one("#sessions", RecordList)
            rows.action_jump([rows.row_at(i)[0] for i in range(rows.count)].index(city_session.id))
            await pilot.press("enter")
            await settle(pilot)
            text = screen_text(app)
            assert "尚未邀请参训人员" in text and "按 i" not in text  # not hers to invite: not offered


def test_training_facts_say_their_count_in_words(city, session_of):
    """The person page and the assessor read a fact's label alone: it carries its count."""
    from xinyi_training import facts

    person = city.people["a"][0]
    session = session_of("in_service", start=dt.date(2026, 3, 10))
    office = city.op("city_office")
    with clock.frozen(dt.date(2026, 3, 12)):
        service.invite(office, session.id, [person])
        service.record_attendance(office, service.invitations(office, session.id).get().id, "unexcused")
    with clock.frozen(dt.date(2026, 11, 26)):
        labels = [f.label for f in facts.assessment_facts(Person.get_by_id(person.id), 2026)]
    assert "全年无故缺席在职培训 1 次" in labels and "宣传信息有 3 个季度未报满" in labels
    assert not any(RULE_ID.search(label) for label in labels)
