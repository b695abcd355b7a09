"""The shared list widget: virtual, so a 20,000-row list costs what a screenful costs."""
from __future__ import annotations

from textual.app import App

from xinyi_core.tui.widgets import Column, RecordList

from .conftest import SIZE, screen_text


class CountingSource:
    """20,000 rows made on demand, remembering how many were asked for."""

    def __init__(self, n: int) -> None:
        self.n, self.fetched = n, 0

    def count(self) -> int:
        return self.n

    def rows(self, offset: int, limit: int) -> list[tuple]:
        rows = [(i, f"协理员{i:05d}", "新安街道") for i in range(offset, min(offset + limit, self.n))]
        self.fetched += len(rows)
        return rows


class ListApp(App[None]):
    def __init__(self, source: CountingSource) -> None:
        super().__init__()
        self.source = source

    def compose(self):
        yield RecordList([Column("姓名", 12), Column("镇（街道）", 0)], self.source, id="list")

    def on_mount(self) -> None:
        plist = self.query_one(RecordList)
        plist.reload()
        plist.focus()


async def test_a_long_list_jumps_to_its_end_and_fetches_only_what_is_shown():
    source = CountingSource(20_000)
    app = ListApp(source)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "协理员00000" in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        text = screen_text(app)
        assert "协理员19999" in text and "协理员00000" not in text
        assert app.query_one(RecordList).current_id == 19_999
        await pilot.press("pageup", "up", "enter")
        await pilot.pause()
        assert app.query_one(RecordList).current_id == 19_999 - 23 - 1
    assert source.fetched <= 3 * RecordList.PAGE  # the first page and the last one or two, not 20,000 rows
