"""What a short report's process does not load (issue 21): a `xinyi report` in a new process pays for every
module it imports before its first row. The migration tool is loaded only when a migration is pending,
and the city's clock keeps China's time without the tz database."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from xinyi_core import clock, lifecycle, testing

PROBE = """
import sys
from xinyi_core import config, lifecycle
lifecycle.bootstrap(config.load(sys.argv[1]))
print(sorted(name for name in ("playhouse.migrate", "zoneinfo") if name in sys.modules))
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An initialised SQLite database with the test city (every migration applied), then closed."""
    testing.start(testing.make_config(tmp_path))
    testing.build_city()
    lifecycle.shutdown()
    return tmp_path / "xinyi.toml"


def probe(config: Path) -> str:
    return subprocess.run([sys.executable, "-c", PROBE, str(config)], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_a_process_on_an_up_to_date_database_loads_neither_the_migrator_nor_the_tz_database(site):
    assert probe(site) == "[]"


def test_a_pending_migration_still_runs(site):
    """The migrator is loaded when there is work for it: a plugin's tables dropped and its versions
    forgotten are made again at the next start."""
    from xinyi_core.db import AppliedMigration, database
    from xinyi_worklog.models import MODELS, LogEntry

    testing.start(testing.make_config(site.parent))
    database.obj.drop_tables(MODELS)
    AppliedMigration.delete().where(AppliedMigration.owner == "worklog").execute()
    lifecycle.shutdown()
    assert probe(site) == "['playhouse.migrate']"
    testing.start(testing.make_config(site.parent))
    try:
        assert LogEntry.table_exists() and AppliedMigration.select().where(AppliedMigration.owner == "worklog").count()
    finally:
        lifecycle.shutdown()


def test_the_city_clock_is_china_time_on_every_day_the_tz_database_knows(monkeypatch):
    """The default zone is UTC+8 without the tz database: the same wall-clock time as Asia/Shanghai at noon
    and at midnight of every month from 1992 to 2060 (China has had no daylight saving since 1991)."""
    shanghai = ZoneInfo("Asia/Shanghai")
    for year in range(1992, 2061):
        for month in range(1, 13):
            for hour in (0, 12):
                instant = dt.datetime(year, month, 1, hour, tzinfo=dt.timezone.utc)
                assert instant.astimezone(clock.TZ).replace(tzinfo=None) == \
                    instant.astimezone(shanghai).replace(tzinfo=None)
    monkeypatch.setattr(clock, "TZ", clock.TZ)  # restored after the test
    clock.set_timezone("Asia/Urumqi")  # a city that sets another zone gets it (UTC+6)
    assert clock.TZ.utcoffset(dt.datetime(2026, 12, 6)) == dt.timedelta(hours=6)
