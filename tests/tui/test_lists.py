"""Issue 18: lists a clerk can read — columns sized by display width, headings never cut, and ``/``
focusing the search box instead of being typed into it (``/gwz`` found no one)."""
from __future__ import annotations

from textual.app import App

from xinyi_core import people
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.screens.people import PeopleScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList, SearchBox
from xinyi_core.tui.widgets.record_list import column_widths

from .conftest import SIZE, screen_text, settle


def test_a_column_is_never_narrower_than_its_heading_in_cells():
    cols = [Column("姓名", 8), Column("请假/培训天数", 8), Column("基本合格", 4), Column("说明", 0)]
    widths = column_widths(cols, 80)
    assert widths[:3] == [8, 13, 8]  # 请假/培训天数 is 13 cells, 基本合格 8: not 8 and 4
    assert sum(widths) + len(cols) - 1 == 80  # the flexible column takes the rest of the line


def test_a_fixed_column_grows_to_its_values_while_the_line_has_room():
    cols = [Column("姓名", 6), Column("村（社区）", 8), Column("备注", 0)]
    assert column_widths(cols, 60, [6, 16, 30])[:2] == [6, 16]  # 王家庄社区居委会 shown whole
    assert column_widths(cols, 30, [6, 16, 30]) == [6, 16, 6]  # the rest goes to the flexible column
    assert column_widths(cols, 26, [6, 16, 30]) == [6, 14, 4]  # which keeps at least its heading


def test_when_the_line_is_too_narrow_columns_give_back_their_extra_then_the_last_leave_whole():
    cols = [Column("姓名", 10), Column("村（社区）", 14), Column("状态", 8)]
    assert column_widths(cols, 30) == [6, 14, 8]  # 姓名 gives back 4 of its 10 cells
    assert column_widths(cols, 26) == [4, 12, 8]  # the widest extra first, down to the headings
    assert column_widths(cols, 18) == [4, 10, 0]  # the last column is left out whole, not cut


class ListApp(App[None]):
    def compose(self):
        yield RecordList([Column("姓名", 6), Column("请假/培训天数", 8), Column("村（社区）", 8), Column("说明", 0)],
                         ListSource([(1, "郭伟志", 3, "王家庄社区居委会", "病假")]), id="list")

    def on_mount(self) -> None:
        self.query_one(RecordList).reload()


async def test_headings_and_values_are_whole_on_screen():
    app = ListApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "请假/培训天数" in text and "王家庄社区居委会" in text and "说明" in text


async def test_slash_focuses_the_search_box_and_is_not_typed_into_it(tui_city):
    target = tui_city.people["a"][1]
    initials = people.initials(target.name)
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(PeopleScreen())
        await settle(pilot, app)
        screen = app.screen
        search = screen.query_one("#search", SearchBox)
        await pilot.press("/", *initials)  # the box has focus: the / is still not part of the search
        await settle(pilot, app, 0.2)
        assert search.value == initials
        assert target.id in [screen.query_one("#people", RecordList).row_at(i)[0]
                             for i in range(screen.query_one("#people", RecordList).count)]
        await pilot.press("down")  # into the list …
        await settle(pilot, app)
        assert screen.query_one("#people", RecordList).has_focus
        await pilot.press("/")  # … and back with /
        await settle(pilot, app)
        assert search.has_focus and search.value == initials
        await pilot.press("／")  # full-width, as a Chinese input method may send it: not typed either
        await settle(pilot, app)
        assert search.value == initials


async def test_every_row_names_its_town_and_village_though_names_are_read_a_page_at_a_time(tui_city, monkeypatch):
    # Issue 21: the list no longer holds every unit's name (12,000 villages in a big city); each page
    # reads its own. With room for only 3 names the cache empties on every page, and each row still
    # shows the right town and village, as does the line naming the filter.
    from xinyi_core.tui.screens import people as people_screen

    monkeypatch.setattr(people_screen._UnitNames, "KEEP", 3)
    monkeypatch.setattr(RecordList, "PAGE", 2)
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(PeopleScreen())
        await settle(pilot, app)
        plist = app.screen.query_one("#people", RecordList)
        shown = {plist.row_at(i)[0]: plist.row_at(i)[3:5] for i in range(plist.count)}
        expected = {p.id: (p.town.name, p.village.name) for code in ("a", "b") for p in tui_city.people[code]}
        assert shown == expected
        village = tui_city.villages["b"][1]
        app.screen.apply_params({"village_id": village.id})
        await settle(pilot, app)
        assert f"{village.name}" in app.screen.query_one("#people-status").render().plain
