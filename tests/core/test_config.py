"""A bad configuration stops the start with one Chinese message naming file, key and expectation."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import clock, config as config_mod, lifecycle, testing
from xinyi_core.errors import ConfigError, XinyiError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("XINYI_CONFIG", "XINYI_DATABASE_URL", "XINYI_REDIS_URL", "XINYI_CLOCK"):
        monkeypatch.delenv(name, raising=False)
    yield
    lifecycle.shutdown()


def write(tmp_path, main: str, towns: str | None = None):
    path = tmp_path / "xinyi.toml"
    path.write_text('[paths]\ndata_dir = "data"\n' + main, "utf-8")
    if towns is not None:
        (tmp_path / "towns.toml").write_text(towns, "utf-8")
    return path


def start_error(path, exc_type=ConfigError, **kw) -> str:
    with pytest.raises(exc_type) as exc:
        lifecycle.bootstrap(path, **kw)
    message = str(exc.value)
    assert "\n" not in message and "Traceback" not in message
    with pytest.raises(XinyiError):
        lifecycle.runtime()  # nothing half-started
    return message


def test_unknown_plugin_in_towns_toml(tmp_path):
    path = write(tmp_path, "", '[town.b]\nplugins = ["leave", "leaves"]\n')
    message = start_error(path)
    assert str(tmp_path / "towns.toml") in message and "town.b.plugins" in message
    assert "以下之一" in message and "attendance" in message and "leave" in message


def test_unknown_town_code_once_the_org_tree_exists(tmp_path, database_url):
    path = write(tmp_path, "")
    cfg = config_mod.load(path)
    cfg.database_url = database_url
    testing.start(cfg, entry_points=False)
    testing.build_city()
    lifecycle.shutdown()
    (tmp_path / "towns.toml").write_text('[town.b]\nwork_start = "08:00"\n[town.zz]\nplugins = []\n', "utf-8")
    cfg = config_mod.load(path)
    cfg.database_url = database_url
    message = start_error(cfg, entry_points=False)
    assert str(tmp_path / "towns.toml") in message and "town.zz" in message and "镇（街道）代码" in message


@pytest.mark.parametrize("url", ["mysql://root@localhost/xinyi", "sqlite://relative.db", "postgres:/x", ""])
def test_malformed_database_url(tmp_path, url):
    message = start_error(write(tmp_path, f'[database]\nurl = "{url}"\n'))
    assert str(tmp_path / "xinyi.toml") in message and "database.url" in message and "sqlite:///" in message


def test_unreachable_database_is_a_clear_message(tmp_path):
    path = write(tmp_path, '[database]\nurl = "postgresql://xinyi:topsecret@127.0.0.1:1/xinyi"\n')
    message = start_error(path, XinyiError, entry_points=False)
    assert message.startswith("无法连接数据库") and "topsecret" not in message and "127.0.0.1:1" in message


@pytest.mark.parametrize("snippet, key, expected", [
    ('[auth]\nmax_failed_logins = "five"\n', "auth.max_failed_logins", "正整数"),
    ("[auth]\nmax_failed_logins = true\n", "auth.max_failed_logins", "正整数"),
    ("[auth]\nlockout_minutes = 0\n", "auth.lockout_minutes", "正整数"),
    ('[auth]\nmode = "ldap"\n', "auth.mode", "os_user"),
    ('[calendar]\nwork_start = "8:30"\n', "calendar.work_start", "HH:MM"),
    ('[city]\ntimezone = "Asia/Xinyi"\n', "city.timezone", "时区"),
    ('[city]\ncode = "3203"\n', "city.code", "六位"),
    ('[calendar.years.2027]\nholidays = ["2027-02-30"]\n', "calendar.years.2027.holidays", "日期"),
    ('[queue]\nredis_url = "localhost:6379"\n', "queue.redis_url", "redis://"),
    ('[plugins]\ndefault = "some"\n', "plugins.default", "all"),
    ("[queue]\nretries = -1\n", "queue.retries", "正整数"),
    ("[queue]\nheartbeat = 5000\n", "queue.heartbeat", "heartbeat_ms"),  # a typo is not ignored
    ("[auth]\nmax_failed_login = 3\n", "auth.max_failed_login", "max_failed_logins"),  # a typo is not ignored
    ("[settings]\nleave = 3\n", "settings.leave", "表"),
    ("[serve]\nmax_sessions = 0\n", "serve.max_sessions", "正整数"),
    ('[serve]\nidle_logout_minutes = "30"\n', "serve.idle_logout_minutes", "分钟"),
    ("[serve]\nidle_minutes = 30\n", "serve.idle_minutes", "idle_logout_minutes"),  # a typo is not ignored
])
def test_wrong_values_name_the_key_and_the_expectation(tmp_path, snippet, key, expected):
    message = start_error(write(tmp_path, snippet))
    assert message.startswith("配置错误")
    assert str(tmp_path / "xinyi.toml") in message and key in message and expected in message


@pytest.mark.parametrize("snippet, key, match", [
    ('[datbase]\nurl = "postgresql://xinyi@db/xinyi"\n', "datbase", "database"),  # the default SQLite file stood in
    ("[pathz]\nreport_dir = \"/srv/reports\"\n", "pathz", "paths"),
    ("[Queue]\nredis_url = \"redis://q:6379/0\"\n", "Queue", "queue"),
    ("[calender.years.2027]\nholidays = []\n", "calender", "calendar"),
    ("[extra]\n", "extra", None),  # even empty
    ("", "foo", None),  # a top-level key: see below
], ids=["datbase", "pathz", "Queue", "calender", "empty-section", "top-level-key"])
def test_an_unknown_section_or_top_level_key_is_refused_naming_file_key_and_the_close_match(tmp_path, snippet, key,
                                                                                         match):
    """Issue 20 (8): a misspelt [database] used to leave the default database silently in force."""
    path = tmp_path / "xinyi.toml"
    path.write_text(("foo = 1\n" if key == "foo" else "") + '[paths]\ndata_dir = "data"\n' + snippet, "utf-8")
    message = start_error(path)
    assert message.startswith("配置错误") and str(path) in message and f" {key} " in message
    assert "无法识别" in message and "database" in message  # what is known is listed
    if match:
        assert f"是否应为 {match}" in message
    else:
        assert "是否应为" not in message


def test_a_misspelt_key_is_refused_with_its_close_match_in_xinyi_and_towns_toml(tmp_path):
    message = start_error(write(tmp_path, "[auth]\nmax_failed_login = 3\n"))
    assert " auth.max_failed_login " in message and "是否应为 auth.max_failed_logins" in message
    message = start_error(write(tmp_path, "", "[twon.a]\nplugins = []\n"))
    assert str(tmp_path / "towns.toml") in message and " twon " in message and "是否应为 town" in message
    message = start_error(write(tmp_path, "", "[town.a]\nplugin = [\"leave\"]\n"))
    assert " town.a.plugin " in message and "是否应为 town.a.plugins" in message


@pytest.mark.parametrize("towns, key", [
    ("[town.a]\nplugin = [\"leave\"]\n", "town.a.plugin"),
    ("[town.a]\nwork_start = 08:30:00\n", "town.a.work_start"),
    ("[town.a]\nwork_end = \"5pm\"\n", "town.a.work_end"),
    ("town = 3\n", "town"),
])
def test_bad_towns_toml(tmp_path, towns, key):
    message = start_error(write(tmp_path, "", towns))
    assert str(tmp_path / "towns.toml") in message and f" {key} " in message


def test_toml_syntax_errors_name_the_file_and_line(tmp_path):
    message = start_error(write(tmp_path, "[auth]\nmax_failed_logins = 5\nlockout_minutes = = 3\n"))
    assert str(tmp_path / "xinyi.toml") in message and "格式错误" in message and "line 5" in message
    message = start_error(write(tmp_path, "", "[town.a\nplugins = []\n"))
    assert str(tmp_path / "towns.toml") in message and "格式错误" in message


def test_missing_config_file(tmp_path):
    message = start_error(tmp_path / "nope.toml")
    assert "找不到配置文件" in message and "nope.toml" in message


def test_environment_overrides(tmp_path, monkeypatch):
    path = write(tmp_path, '[database]\nurl = "sqlite:///{data_dir}/main.db"\n[queue]\nredis_url = "redis://10.0.0.1:6379/0"\n')
    monkeypatch.chdir(tmp_path / "..")
    monkeypatch.setenv("XINYI_CONFIG", str(path))
    cfg = config_mod.load()
    assert cfg.path == path
    assert cfg.database_url == f"sqlite:///{tmp_path / 'data'}/main.db"
    assert cfg.redis_url == "redis://10.0.0.1:6379/0"
    monkeypatch.setenv("XINYI_DATABASE_URL", "postgresql://xinyi@db.example/xinyi")
    monkeypatch.setenv("XINYI_REDIS_URL", "redis://127.0.0.1:6379/15")
    cfg = config_mod.load()
    assert (cfg.database_url, cfg.redis_url) == ("postgresql://xinyi@db.example/xinyi", "redis://127.0.0.1:6379/15")
    monkeypatch.setenv("XINYI_REDIS_URL", "")  # empty: in-process queue even if the file names a server
    assert config_mod.load().redis_url == ""
    monkeypatch.setenv("XINYI_DATABASE_URL", "oracle://x")
    with pytest.raises(ConfigError) as exc:
        config_mod.load()
    assert "环境变量 XINYI_DATABASE_URL" in str(exc.value)


def test_xinyi_clock_stands_the_clock_at_a_moment_for_a_demonstration(tmp_path, monkeypatch):
    """The journeys in a real terminal run on fixed dates: ``XINYI_CLOCK`` sets the app's clock."""
    path = write(tmp_path, "")
    monkeypatch.setenv("XINYI_CLOCK", "2026-11-30T08:25")
    try:
        lifecycle.bootstrap(path)
        assert clock.now() == dt.datetime(2026, 11, 30, 8, 25) and clock.today() == dt.date(2026, 11, 30)
    finally:
        clock.fix(None)
        lifecycle.shutdown()
    assert clock.now() != dt.datetime(2026, 11, 30, 8, 25)  # running again
    monkeypatch.setenv("XINYI_CLOCK", "明天上午")
    assert "环境变量 XINYI_CLOCK 不正确，应为：日期和时间，如 2026-11-30T08:25" in start_error(path)


def test_defaults_without_any_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = config_mod.load()
    assert cfg.path is None and cfg.max_failed_logins == 20 and cfg.database_url.startswith("sqlite:///")


def test_queue_tunables_come_from_the_file_and_the_environment_wins(tmp_path, monkeypatch, database_url):
    from xinyi_core.jobs.broker import QueueSettings

    path = write(tmp_path, f'[database]\nurl = "{database_url}"\n[queue]\nretries = 5\nheartbeat_ms = 20000\n')
    lifecycle.bootstrap(path, entry_points=False)
    settings = QueueSettings.from_config()
    assert (settings.max_retries, settings.heartbeat_ms, settings.threads) == (5, 20000, 4)
    monkeypatch.setenv("XINYI_JOB_RETRIES", "1")
    assert QueueSettings.from_config().max_retries == 1


def test_a_town_prints_on_its_own_queue_else_the_city_default(tmp_path):
    """[print] printer is every town's queue unless towns.toml names the town's own."""
    cfg = config_mod.load(write(tmp_path, '[print]\nprinter = "city-hall"\npdf_beside = true\n',
                                '[town.a]\nprinter = "xinan-office"\n[town.b]\nwork_start = "08:00"\n'))
    assert cfg.printer_for("a") == "xinan-office"
    assert cfg.printer_for("b") == cfg.printer_for(None) == "city-hall"
    assert cfg.pdf_beside is True


def test_a_printer_must_be_a_name(tmp_path):
    message = start_error(write(tmp_path, "[print]\nprinter = 3\n"))
    assert "print.printer" in message and "字符串" in message
