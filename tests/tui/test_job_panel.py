"""Issue 18: the job panel follows its jobs by itself — and only while one is still to finish.

A report submitted on another screen is in the panel as soon as the panel is shown; while a job is
queued or running the bar moves without a key press; with nothing running no timer runs (an idle
session costs the server nothing). Output files are shown by name, without the server's folders.
"""
from __future__ import annotations

import pytest

from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.screens.jobs import JobsScreen

from .conftest import SIZE, screen_text, settle

jobs = pytest.importorskip("xinyi_core.jobs")


def _job(clerk, **fields):
    return jobs.JobRecord.create(**{"kind": "attendance.monthly", "title": "甲镇考勤月报",
                                    "requested_by_id": clerk.id, "town_code": "a", **fields})


async def _panel(pilot) -> JobsScreen:
    await pilot.app.push_screen(JobsScreen())
    await settle(pilot, pilot.app)
    return pilot.app.screen


async def test_a_running_job_moves_on_screen_without_a_key_and_the_timer_stops_when_it_ends(tui_city):
    clerk = tui_city.op("town_clerk", "a")
    job = _job(clerk, state="running", progress=0.2, message="正在汇总")
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        panel = await _panel(pilot)
        assert "20%" in screen_text(app) and panel.following
        jobs.JobRecord.update(progress=0.7).where(jobs.JobRecord.id == job.id).execute()
        await settle(pilot, app, JobsScreen.REFRESH_SECONDS + 0.3)  # no key pressed
        assert "███████░░░  70%" in screen_text(app)
        jobs.JobRecord.update(state="done", progress=1.0, outputs=["/srv/xinyi/reports/attendance.monthly/"
                                                                   "2026-11/甲镇_2026年11月_月度考勤汇总.xlsx"]
                              ).where(jobs.JobRecord.id == job.id).execute()
        await settle(pilot, app, JobsScreen.REFRESH_SECONDS + 0.3)
        text = screen_text(app)
        assert "已完成" in text and "甲镇_2026年11月_月度考勤汇总.xlsx" in text and "/srv" not in text
        assert not panel.following  # nothing left to finish: no timer


async def test_an_idle_panel_runs_no_timer_and_shows_a_new_job_when_shown_again(tui_city):
    clerk = tui_city.op("town_clerk", "a")
    _job(clerk, state="done", progress=1.0)
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        panel = await _panel(pilot)
        assert not panel.following
        app.pop_screen()  # she goes and submits a report elsewhere …
        await settle(pilot, app)
        _job(clerk, state="queued", progress=0.0, title="甲镇花名册")
        await app.push_screen(panel)  # … and comes back: it is there, without a key to refresh
        await settle(pilot, app)
        assert "甲镇花名册" in screen_text(app) and "排队中" in screen_text(app)
        assert panel.following
        app.pop_screen()  # off screen: it stops following
        await settle(pilot, app)
        assert not panel.following
