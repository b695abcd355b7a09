"""Test helpers for the core and for plugins: a real database, a small city, operators.

Use them from a ``conftest.py``::

    pytest_plugins = ["xinyi_core.testing"]

Fixtures: ``xinyi`` (a started runtime on a fresh SQLite file — or, for tests
parametrised with ``backend``, PostgreSQL when ``XINYI_TEST_POSTGRES_URL`` is
set: every test using it runs on both), ``city`` (two towns, four villages, people and an operator of every role),
``operator_of`` (``operator_of(role, town)``: one of the city's operators), ``pilot_app`` (``async with
pilot_app(operator) as pilot``: the real app at 80×24), ``in_process_broker`` (a job queue with worker
threads in the test process) and ``cups_queue`` (a cups-pdf printer of the test; the paper helpers are in
:mod:`xinyi_core.testing_paper`). Helpers: :func:`screen_text`, :func:`settle`, :func:`wait_for_job`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import random
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, AsyncIterator, Callable, Iterable, Iterator, Mapping

import pytest

from . import config as config_mod, db, i18n, lifecycle, org, people
from .config import Config, TownConfig  # noqa: F401 - re-exported: make_config(towns={"b": TownConfig(…)})
from .demo import fake_id_number, fake_name
from .models import OrgUnit, Operator, Person, Post
from .testing_paper import cups_queue  # noqa: F401 - the fixture, for every test using this plugin

PG_ENV = "XINYI_TEST_POSTGRES_URL"
PASSWORD = "secret123"


def make_config(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> Config:
    """A configuration with everything under ``tmp_path``; ``overrides`` set fields of :class:`Config`.

    Per-town tests: ``default_plugins=("-roster",)`` (the ``[plugins] default`` list) and
    ``towns={"a": TownConfig(plugins=("+roster",))}`` (towns.toml's entries).
    """
    cfg = config_mod.load(_write_config(tmp_path))
    if database_url:
        cfg.database_url = database_url
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


def _write_config(tmp_path: Path) -> Path:
    path = tmp_path / "xinyi.toml"
    if not path.exists():
        path.write_text('[paths]\ndata_dir = "data"\n[towns]\nfile = "towns.toml"\n', "utf-8")
    return path


def postgres_url(base: str) -> tuple[str, str]:
    """A URL on ``base`` that uses a fresh schema, and that schema's name."""
    schema = "t_" + uuid.uuid4().hex[:12]
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def start(cfg: Config, *, plugin_modules: Mapping[str, ModuleType] | None = None,
          entry_points: bool | list[str] = True) -> lifecycle.Runtime:
    return lifecycle.bootstrap(cfg, plugin_modules=plugin_modules, entry_points=entry_points)


@dataclass
class City:
    """A small city: towns A and B, two villages each, two assistants per village.

    ``city`` is the city node, ``towns`` the two towns (codes ``a`` and ``b``, 甲镇 and 乙镇),
    ``villages[code]`` a town's villages (``a-1``, ``a-2``), ``people[code]`` its four
    assistants (on duty), ``vacant[code]`` a vacant post in its first village, and ``ops`` an
    operator of every role: ``op("town_clerk", "a")``; the city's roles without a town
    (``op("city_office")``). Every operator's password is :data:`PASSWORD`.
    """

    city: OrgUnit
    towns: list[OrgUnit]
    villages: dict[str, list[OrgUnit]]
    people: dict[str, list[Person]]  # by town code
    vacant: dict[str, Post]  # one vacant post per town
    ops: dict[str, Operator] = field(default_factory=dict)  # "town_clerk@a", "city_office" …

    def op(self, role: str, town: str | None = None) -> Operator:
        return self.ops[f"{role}@{town}" if town else role]


@functools.cache
def _password_hash() -> str:
    """One argon2 hash of :data:`PASSWORD` per test run: hashing is slow on purpose (~0.6 s)."""
    from .auth import hash_password

    return hash_password(PASSWORD)


def seed_on_duty(people: Iterable[Person]) -> None:
    """People a test placed on duty directly (``people.insert(…, status="on_duty")``) were on duty
    before the system: each town's enabled plugins add what their rules expect of someone on duty
    (``xinyi_seed_on_duty`` — training: a passed pre-job exam, TRN-1), so the core's duty check
    (:func:`xinyi_core.require_on_duty`) lets them work."""
    by_town: dict[str | None, list[Person]] = {}
    for person in people:
        by_town.setdefault(person.town.code if person.town_id else None, []).append(person)
    for code, group in by_town.items():
        lifecycle.runtime().plugins.for_town(code).xinyi_seed_on_duty(people=group)


def build_city(seed: int = 1) -> City:
    """Create the small test city in the current database.

    Its assistants are on duty since 2020-01-01, as if from before the system:
    each town's enabled plugins seed what they require of someone on duty
    (``xinyi_seed_on_duty`` — training: a passed pre-job exam), so every
    plugin's tests start from people who may work.
    """
    rng = random.Random(seed)
    pw_hash = _password_hash()
    root = org.add_unit("city", "320381", "新沂市")
    city = City(root, [], {}, {}, {})

    def op(key: str, role: str, scope: OrgUnit, person: Person | None = None) -> None:
        city.ops[key] = Operator.create(username=key.replace("@", "_"), display_name=fake_name(rng), role=role,
                                        scope=scope, person=person, password_hash=pw_hash)

    for role in ("city_office", "bureau", "admin"):
        op(role, role, root)
    for code, name in (("a", "甲镇"), ("b", "乙镇")):
        town = org.add_unit("town", code, name, root)
        city.towns.append(town)
        city.villages[code] = [org.add_unit("village", f"{code}-{i}", f"{name}{i}村", town) for i in (1, 2)]
        city.people[code] = []
        for village in city.villages[code]:
            for _ in range(2):
                male = rng.random() < 0.5
                birth = dt.date(rng.randint(1970, 1999), rng.randint(1, 12), rng.randint(1, 28))
                data = {"name": fake_name(rng), "id_number": fake_id_number(rng, "320381", birth, male),
                        "phone": f"139{rng.randrange(10**8):08d}"}
                person = people.insert(people.clean(data), org.add_post(village), status="on_duty",
                                       joined_on=dt.date(2020, 1, 1), operator=None)
                city.people[code].append(person)
        seed_on_duty(city.people[code])
        city.vacant[code] = org.add_post(city.villages[code][0], vacant_since=dt.date(2025, 1, 1))
        op(f"town_clerk@{code}", "town_clerk", town)
        op(f"town_head@{code}", "town_head", town)
        op(f"village_head@{code}", "village_head", city.villages[code][0])
        op(f"assistant@{code}", "assistant", city.villages[code][0], city.people[code][0])
    return city


# --------------------------------------------------------------------------- pytest fixtures

def pytest_configure(config: pytest.Config) -> None:
    """Tests run with a strict catalogue: a message passed where a key belongs fails loudly."""
    i18n.set_strict(True)


def _backends() -> list[str]:
    return ["sqlite", "postgres"] if os.environ.get(PG_ENV) else ["sqlite"]


@pytest.fixture(params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    """Parametrise a test over SQLite and (when configured) PostgreSQL."""
    return request.param


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'xinyi.db'}"
        return
    url, schema = postgres_url(os.environ[PG_ENV])
    admin = db.make_database(os.environ[PG_ENV])
    admin.execute_sql(f"CREATE SCHEMA {schema}")
    try:
        yield url
    finally:
        lifecycle.shutdown()
        admin.execute_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture
def xinyi(tmp_path: Path, database_url: str) -> Iterator[lifecycle.Runtime]:
    """A started runtime with every installed plugin, on a fresh database."""
    rt = start(make_config(tmp_path, database_url))
    try:
        yield rt
    finally:
        lifecycle.shutdown()


@pytest.fixture
def city(xinyi: lifecycle.Runtime) -> City:
    return build_city()


# --------------------------------------------------------------------------- operators, the app, the queue

@pytest.fixture
def operator_of(city: City) -> Callable[..., Operator]:
    """``operator_of(role, town=None)``: the test city's operator of ``role`` (of town ``"a"``/``"b"``)."""
    return city.op


def screen_text(app: Any) -> str:
    """What the terminal shows, as text (CJK characters take two cells)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system=None,
                      record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens,
                                                        simplify=True))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


def notifications(app: Any) -> list[str]:
    """The messages of the notifications the app is showing (toasts are not in :func:`screen_text`)."""
    return [n.message for n in app._notifications]  # Textual keeps no public list of them


async def settle(pilot: Any, delay: float = 0.05) -> None:
    """Let debounce timers, workers and repaints finish."""
    await pilot.pause(delay)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


_TYPED = {"\r": "enter", "\t": "tab"}


def type_ahead(app: Any, *keys: str) -> None:
    """Keys arriving in one read — a slow SSH link, a loaded server, a browser's burst: all queued
    before any is handled. A key is a character (``"\r"`` is Enter, ``"\t"`` Tab) or a Textual key
    name (``"down"``, ``"shift+tab"``)."""
    from textual import events

    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_TYPED.get(key, key), key))
        else:
            app.post_message(events.Key(key, None))


async def open_entry(pilot: Any, entry_id: str) -> None:
    """Open a navigation entry as an operator does: F2 (home), then its two keys on the home menu
    (``"3b"``: the group's digit, the entry's letter). A KeyError when the operator is not offered it."""
    path = pilot.app.nav[entry_id].path
    await pilot.press("f2", *path)
    await settle(pilot)


@contextlib.asynccontextmanager
async def run_app(operator: Operator, size: tuple[int, int] = (80, 24)) -> AsyncIterator[Any]:
    """The real app logged in as ``operator``, driven by a Textual Pilot (``pilot.app`` is the app)."""
    from .tui.app import XinyiApp

    app = XinyiApp(operator)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot


@pytest.fixture
def pilot_app() -> Callable[..., Any]:
    """``async with pilot_app(operator) as pilot:`` — see :func:`run_app`."""
    return run_app


@pytest.fixture
def in_process_broker(xinyi: lifecycle.Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The job queue without Redis: dramatiq's stub broker with two worker threads in this process.

    Retries back off in milliseconds, so a failing job fails fast.
    """
    from .jobs import broker

    monkeypatch.setenv("XINYI_JOB_RETRIES", "1")
    monkeypatch.setenv("XINYI_JOB_MIN_BACKOFF_MS", "20")
    monkeypatch.setenv("XINYI_JOB_MAX_BACKOFF_MS", "100")
    xinyi.config.redis_url = ""
    running = broker.start(worker_threads=2)
    try:
        yield running
    finally:
        broker.stop()


def wait_for_job(job_id: int, timeout: float = 10.0) -> Any:
    """Poll job ``job_id``'s record until it is done or failed; returns the record."""
    from .jobs import JobRecord
    from .jobs.models import ACTIVE_STATES

    deadline = time.monotonic() + timeout
    while True:
        record = JobRecord.get_by_id(job_id)
        if record.state not in ACTIVE_STATES:
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {record.state} after {timeout} s")
        time.sleep(0.02)


class TmuxPane:
    """A tmux server of its own with one window (80×24 unless told) running ``command``: the
    installed app in a real terminal, for smoke tests (``tmux`` must be installed).

    ``text()`` is what the pane shows, ``keys()`` types (``literal`` for text, else key names
    such as ``Enter`` or ``C-q``), ``wait_for()`` waits until text appears. ``close()`` ends it.
    """

    KEY_PAUSE = 0.2  # like a typist: text and Enter arriving in one read can lose the Enter

    def __init__(self, command: str, *, env: Mapping[str, str] | None = None, size: tuple[int, int] = (80, 24),
                 name: str = "xinyi") -> None:
        self.socket = f"{name}-{uuid.uuid4().hex[:8]}"
        subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", "new-session", "-d", "-s", "t",
                        "-x", str(size[0]), "-y", str(size[1]), command],
                       env=None if env is None else dict(env), check=True, timeout=10)

    def __call__(self, *args: str) -> str:
        """Run a tmux command on this pane's server; its output."""
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True,
                              timeout=10).stdout

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)

    def text(self, history: bool = False) -> str:
        """What the pane shows (wrapped lines joined); with ``history`` the scrolled-off lines too."""
        return self("capture-pane", "-p", "-J", "-t", "t", *(["-S", "-"] if history else []))

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        return self.wait_until(lambda pane: text in pane, f"{text!r}", timeout)

    def wait_until(self, check: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            pane = self.text()
            if check(pane):
                return pane
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not appear on the terminal:\n{pane}")
            time.sleep(0.1)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self("send-keys", "-t", "t", *(["-l"] if literal else []), *keys)
        time.sleep(self.KEY_PAUSE)

    def login(self, username: str, password: str, *, then: str = "待办事项", timeout: float = 20.0) -> str:
        """Wait for the login screen, sign in as a person does (name, Enter, password, Enter) and wait
        for ``then`` (her first screen: home's to-dos; the city office and the bureau start on 数据看板,
        so pass what it shows, e.g. ``then="月份："``); the pane then."""
        self.wait_for("用户名", timeout=timeout)
        for text in (username, password):
            self.keys(text, literal=True)
            self.keys("Enter")
        return self.wait_for(then, timeout=timeout)
