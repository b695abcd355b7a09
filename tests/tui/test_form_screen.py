"""Issue 17 item 3 (core half): one edit screen with live validation, and one way to call a service.

``FormScreen(check=…, note=…)`` is what leave, departure and attendance each re-wrote by hand: a
check over *all* the current values (category 其他 needs a reason, ORG-2), a live line that
follows the values (a leave's day count, ATT-3), and the service's Chinese error beside its field.
``XinyiScreen.attempt`` is the ~28 copies of "call the service, show its Chinese error, reload".
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import NotFound, PermissionDenied, ValidationError
from xinyi_core.testing import type_ahead
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.screens import FormScreen, XinyiScreen
from xinyi_core.tui.widgets import Form, FormField
from xinyi_core.tui.widgets.form import form_check

from .conftest import SIZE, screen_text, settle

CATEGORIES = [("退休", "retire"), ("其他", "other")]


def _report_check(values: dict[str, Any]) -> dict[str, str]:
    """Departure's rule (ORG-2, the form's note 1): category 其他 needs the reason written out."""
    return {"reason": "类别为“其他”时须写明原因"} if values["category"] == "other" and not values["reason"] else {}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError("start_on", "validation.date", example="2026-01-31") from None


def _clean_span(values: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """A leave's two dates, the way a service cleans them (raising ValidationError)."""
    start = _date(values["start_on"])
    try:
        end = dt.date.fromisoformat(values["end_on"])
    except ValueError:
        raise ValidationError("end_on", "validation.date", example="2026-01-31") from None
    if end < start:
        raise ValidationError("end_on", "validation.out_of_range")
    return start, end


def _days(values: dict[str, Any]) -> str:
    start, end = _clean_span(values)
    return f"共 {(end - start).days + 1} 天"


async def _open(pilot, screen: XinyiScreen) -> Any:
    pilot.app.push_screen(screen, callback=lambda result: setattr(pilot.app, "dismissed_with", result))
    await settle(pilot, pilot.app)
    return screen.query_one(Form) if isinstance(screen, FormScreen) else screen


async def test_org2_a_rule_joining_two_fields_is_checked_live_over_all_values(tui_city):
    saved: list[dict[str, Any]] = []
    screen = FormScreen("离岗报告", [FormField("category", "类别", None, CATEGORIES, required=True),
                                     FormField("reason", "原因")], saved.append, check=_report_check)
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        form = await _open(pilot, screen)
        await pilot.press("tab", "tab")  # past the reason, untouched: nothing to say yet
        await settle(pilot, app)
        assert form.error("reason") == ""
        form.widget("category").value = "other"  # choosing 其他 now makes the visited reason wrong
        await settle(pilot, app)
        assert form.error("reason") == "类别为“其他”时须写明原因"
        assert "须写明原因" in next(line for line in screen_text(app).splitlines() if "原因" in line)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert saved == [] and app.screen is screen  # the check holds the save back
        form.widget("reason").value = "家中有事"  # the error goes as soon as the value is right
        await settle(pilot, app)
        assert form.error("reason") == ""
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert saved == [{"category": "other", "reason": "家中有事"}] and app.dismissed_with is True


async def test_a_field_not_yet_visited_is_not_nagged_before_saving(tui_city):
    screen = FormScreen("离岗报告", [FormField("category", "类别", "other", CATEGORIES, required=True),
                                     FormField("reason", "原因"), FormField("note", "备注")],
                        lambda v: None, check=_report_check)
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        form = await _open(pilot, screen)
        await pilot.press("tab")  # category → reason: the reason is still being reached
        await settle(pilot, app)
        assert form.error("reason") == ""
        await pilot.press("ctrl+s")  # saving shows every error at once
        await settle(pilot, app)
        assert form.error("reason") == "类别为“其他”时须写明原因"


async def test_att3_a_live_note_follows_the_values_while_they_pass_the_check(tui_city):
    fields = [FormField("start_on", "开始日期", "2026-11-02", required=True),
              FormField("end_on", "结束日期", "2026-11-04", required=True)]
    screen = FormScreen("请假", fields, lambda v: None, check=form_check(_clean_span), note=_days)
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        form = await _open(pilot, screen)
        assert form.note() == "共 3 天"  # from the first values
        assert "共 3 天" in screen_text(app)
        form.widget("end_on").value = "2026-11-06"  # typing: the count follows
        await settle(pilot, app)
        assert form.note() == "共 5 天"
        form.widget("end_on").focus()
        form.widget("end_on").value = "2026-10-30"
        await pilot.press("tab")
        await settle(pilot, app)
        assert form.error("end_on") == "数值超出范围，请检查输入" and form.note() == ""  # no count for bad dates


async def test_service_errors_land_beside_their_field_or_on_the_message_line(tui_city):
    raised: list[Exception] = [ValidationError("end_on", "validation.date", example="2026-01-31"), PermissionDenied()]

    def submit(values: dict[str, Any]) -> None:
        raise raised.pop(0)

    fields = [FormField("start_on", "开始日期", "2026-11-02"), FormField("end_on", "结束日期", "2026-11-03")]
    screen = FormScreen("请假", fields, submit)
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        form = await _open(pilot, screen)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert form.error("end_on").startswith("日期格式应为 2026-01-31") and app.screen is screen
        await pilot.press("tab")  # leaving a field re-checks the form: the service's error stays
        await settle(pilot, app)
        assert form.error("end_on").startswith("日期格式应为 2026-01-31")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert "没有权限执行此操作" in str(form.query_one("#form-message").render()) and app.screen is screen
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.dismissed_with is None


class _Listing(XinyiScreen):
    """A screen that shows records: counts its reloads."""

    def __init__(self) -> None:
        super().__init__()
        self.reloads = 0

    def reload(self) -> None:
        self.reloads += 1


async def test_attempt_shows_a_refusal_in_chinese_and_reloads_only_after_success(tui_city):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, _Listing())

        def refuse(record_id: int) -> None:
            raise NotFound()

        assert screen.attempt(refuse, 7, done="已保存") is None
        await settle(pilot, app)
        assert screen.reloads == 0
        assert [n.message for n in app._notifications] == ["操作被拒绝：找不到该记录"]
        assert screen.attempt(lambda record_id, *, note: f"#{record_id} {note}", 7, note="好",
                              done=lambda result: f"已保存 {result}") == "#7 好"
        assert screen.attempt(lambda: None, reload=False) is True  # a service returning nothing
        await settle(pilot, app)
        assert screen.reloads == 1
        assert "已保存 #7 好" in [n.message for n in app._notifications]


class _Calls(FormScreen):
    """One entry after another (attendance's phone checks): saved() keeps the form open, cleared."""

    def __init__(self) -> None:
        super().__init__("电话随访")
        self.saved_calls: list[Any] = []

    def fields(self) -> list[FormField]:
        return [FormField("person", "协理员", "张三", required=True), FormField("answered_by", "接听人", required=True)]

    def save(self, values: dict[str, Any]) -> Any:
        return dict(values)

    def saved(self, result: Any) -> None:
        self.saved_calls.append(result)
        self.query_one(Form).widget("answered_by").value = ""


async def test_a_form_can_stay_open_after_saving_ready_for_the_next_entry(tui_city):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        screen = _Calls()
        form = await _open(pilot, screen)
        for name in ("村会计", "村主任"):
            form.widget("answered_by").value = name
            await pilot.press("ctrl+s")
            await settle(pilot, app)
        assert screen.saved_calls == [{"person": "张三", "answered_by": "村会计"},
                                      {"person": "张三", "answered_by": "村主任"}]
        assert app.screen is screen and form.value("answered_by") == "" and form.value("person") == "张三"
        assert screen.check_action("cancel", ()) is True  # opened over another screen: Esc goes back
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is not screen and app.dismissed_with is None


async def test_a_prompts_notice_may_say_what_saving_led_to(tui_city):
    """Issue 18: a decision's notice says what comes next (approvals.outcome of the decided chain)."""
    from xinyi_core.tui.screens import PromptScreen

    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        form = await _open(pilot, PromptScreen("审批", "意见", lambda text: {"next": "镇中心负责人"},
                                                done=lambda r: f"已同意，转{r['next']}审批"))
        form.widget("text").value = "情况属实"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.dismissed_with is True
        assert "已同意，转镇中心负责人审批" in [n.message for n in app._notifications]


async def test_an_open_choice_list_says_esc_in_chinese(tui_city):
    """Found by the journeys in tmux: with a choice field's list open the footer read ``Esc Dismiss menu``
    (Textual's own words); F1 likewise."""
    screen = FormScreen("离岗报告", [FormField("category", "类别", None, CATEGORIES, required=True)], lambda v: None)
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, screen)
        await pilot.press("enter")  # the list opens
        await settle(pilot, app)
        footer = screen_text(app).splitlines()[-1]
        assert "Esc 取消" in footer and "Dismiss" not in footer
        await pilot.press("escape")  # closes the list, the form stays
        await settle(pilot, app)
        assert app.screen is screen and "Esc 取消" in screen_text(app).splitlines()[-1]


def _category_form() -> FormScreen:
    """A departure report's category (a choice list) and reason, saving nothing."""
    return FormScreen("离岗报告", [FormField("category", "类别", None, CATEGORIES, required=True),
                                   FormField("reason", "原因")], lambda values: None)


async def test_keys_typed_ahead_after_choosing_from_a_list_reach_the_next_field(tui_city):
    """Enter on a choice, then Tab and the next field's text at once: the text lands in the next
    field, not lost on the list."""
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        form = await _open(pilot, _category_form())
        form.widget("category").focus()
        await pilot.press("enter", "down", "down")  # the list is open, 其他 highlighted
        await settle(pilot, app)
        type_ahead(app, "\r", "\t", *"abc")
        await settle(pilot, app)
        assert form.value("category") == "other" and form.value("reason") == "abc"


async def test_keys_typed_ahead_while_a_list_opens_choose_in_it(tui_city):
    """Enter opens the list, Down Down Enter in the same read: the choice is the one two below the
    prompt — the keys are not handed to the closed field while the list is still taking focus (on a
    loaded server the Downs were lost and Enter chose the blank prompt)."""
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        form = await _open(pilot, _category_form())
        form.widget("category").focus()
        await settle(pilot, app)
        type_ahead(app, "\r", "down", "down", "\r", "\t", *"abc")
        await settle(pilot, app)
        assert form.value("category") == CATEGORIES[1][1] and form.value("reason") == "abc"
        # the same keys, the next field's in a later read: the closed list keeps no hidden focus
        form.widget("reason").value = ""
        form.widget("category").focus()
        await settle(pilot, app)
        type_ahead(app, "\r", "up", "\r")
        await settle(pilot, app)
        assert app.focused is form.widget("category")
        type_ahead(app, "\t", *"xyz")
        await settle(pilot, app)
        assert form.value("category") == CATEGORIES[0][1] and form.value("reason") == "xyz"


async def test_text_typed_ahead_after_tab_or_enter_goes_to_the_next_field(tui_city):
    screen = FormScreen("请假", [FormField("reason", "事由"), FormField("phone", "电话"), FormField("note", "备注")],
                        lambda values: None)
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        form = await _open(pilot, screen)
        form.widget("reason").focus()
        await settle(pilot, app)
        type_ahead(app, *"家中", "\t", *"138", "\r", *"无")
        await settle(pilot, app)
        assert (form.value("reason"), form.value("phone"), form.value("note")) == ("家中", "138", "无")


async def test_esc_on_a_form_with_typed_input_asks_before_dropping_it(tui_city):
    """Nothing typed is lost to one key: Esc on a form she has typed into asks 放弃填写？ — Esc (or n)
    goes back to the form with her input as it was, 回车 closes it; an untouched form closes at once."""
    from xinyi_core.tui.screens.confirm import ConfirmScreen

    fields = [FormField("person", "协理员", "张三"), FormField("reason", "原因", "")]
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        screen = FormScreen("登记", fields, lambda values: True)
        form = await _open(pilot, screen)
        form.widget("reason").focus()
        await pilot.press(*"abc")
        await settle(pilot, app)
        assert form.value("reason") == "abc"
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen) and "放弃填写？" in screen_text(app)
        assert "有尚未保存的输入" in screen_text(app)
        await pilot.press("escape")  # no: back to the form, the input kept
        await settle(pilot, app)
        assert app.screen is screen and form.value("reason") == "abc"
        await pilot.press("escape", "enter")  # yes: the form closes, nothing saved
        await settle(pilot, app)
        assert app.screen is not screen and not isinstance(app.screen, ConfirmScreen)
        assert app.dismissed_with is None

        untouched = FormScreen("登记", [FormField("reason", "原因", "")], lambda values: True)
        await _open(pilot, untouched)
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is not untouched and not isinstance(app.screen, ConfirmScreen)
