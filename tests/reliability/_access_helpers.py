"""Shared by the access tests (issue 11, ACCESS): a small city built once, copied per test; refusal checks.

The city (``xinyi_core.testing.build_city``: towns a and b, two villages each,
two assistants per village, an operator of every role) is built once per test
run into a SQLite file with every built-in plugin; each test gets its own
copy of that file and a freshly started runtime (~15 ms), so a test may write
whatever it likes without slowing the module down or leaking into the next.

``World`` hands out operators and people fresh from the copy (never a model
instance another test could have changed). "Today" is fixed at
:data:`TODAY` (a Tuesday in a year the holiday calendar covers).
"""
from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata as md
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

import pytest

from xinyi_core import clock, lifecycle, testing
from xinyi_core.errors import PermissionDenied
from xinyi_core.models import AuditLog, Operator, OrgUnit, Person, Post

TODAY = dt.datetime(2026, 9, 1, 9, 0)  # Tuesday
ROLES = ("assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau", "admin")
CITY_ROLES = ("city_office", "bureau", "admin")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@functools.cache
def installed_plugins() -> dict[str, ModuleType]:
    """Every installed plugin, as the entry points list them: what ``bootstrap`` would load —
    looked up once, since reading the distributions' metadata is half of a start."""
    return {ep.name: ep.load() for ep in md.entry_points(group="xinyi.plugins")}


def start(folder: Path, url: str, **overrides: Any) -> lifecycle.Runtime:
    return testing.start(testing.make_config(folder, url, **overrides), plugin_modules=installed_plugins(),
                         entry_points=False)


@dataclass
class Template:
    path: Path
    ops: dict[str, int]  # "town_clerk@a", "city_office" … → operator id
    people: dict[str, list[int]]  # town code → person ids (village 1: [0, 1], village 2: [2, 3])
    villages: dict[str, list[int]]
    towns: dict[str, int]
    city: int
    vacant: dict[str, int]  # town code → a vacant post in its village 1


def populate(path: Path) -> Template:
    """In the current database: the test city, town a's and b's attendance clerks named (ATT-2)."""
    from xinyi_attendance import service as attendance

    with clock.frozen(TODAY):
        city = testing.build_city()
        for code, town in zip(("a", "b"), city.towns):
            attendance.name_clerk(city.op("town_head", code), town, city.op("town_clerk", code))
    return Template(path, {k: o.id for k, o in city.ops.items()},
                    {k: [p.id for p in ps] for k, ps in city.people.items()},
                    {k: [v.id for v in vs] for k, vs in city.villages.items()},
                    {"a": city.towns[0].id, "b": city.towns[1].id}, city.city.id,
                    {k: p.id for k, p in city.vacant.items()})


def build_template(folder: Path) -> Template:
    path = folder / "template.db"
    start(folder, f"sqlite:///{path}")
    try:
        return populate(path)
    finally:
        lifecycle.shutdown()


@dataclass
class World:
    """A fresh copy of the template city, started and with the clock fixed."""

    t: Template
    tmp: Path
    runtime: lifecycle.Runtime

    def op(self, role: str, town: str = "a") -> Operator:
        key = role if role in CITY_ROLES else f"{role}@{town}"
        return Operator.get_by_id(self.t.ops[key])

    def person(self, town: str = "a", i: int = 0) -> Person:
        return Person.get_by_id(self.t.people[town][i])

    @property
    def mine(self) -> Person:
        """The assistant of ``assistant@a`` — village a-1, in the scope of every town-a operator."""
        return self.person("a", 0)

    def town(self, code: str = "a") -> OrgUnit:
        return OrgUnit.get_by_id(self.t.towns[code])

    def village(self, code: str = "a", i: int = 0) -> OrgUnit:
        return OrgUnit.get_by_id(self.t.villages[code][i])

    @property
    def city(self) -> OrgUnit:
        return OrgUnit.get_by_id(self.t.city)

    def vacant(self, code: str = "a") -> Post:
        return Post.get_by_id(self.t.vacant[code])


_built: list[Template] = []


def template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The template, built once per test run and shared by every access module (it is only copied)."""
    if not _built or not _built[0].path.exists():
        _built[:] = [build_template(tmp_path_factory.mktemp("access-template"))]
    return _built[0]


def world_fixture(template: Template, tmp_path: Path, **overrides: Any) -> Iterator[World]:
    shutil.copy(template.path, tmp_path / "xinyi.db")
    rt = start(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}", **overrides)
    try:
        with clock.frozen(TODAY):
            yield World(template, tmp_path, rt)
    finally:
        lifecycle.shutdown()


# --------------------------------------------------------------------------- refusals

def chinese(message: str) -> bool:
    """A message an operator can read: Chinese, and no ⟨missing.key⟩ from the catalogue."""
    return bool(_CJK.search(message)) and "⟨" not in message


def refusals(op: Operator) -> list[AuditLog]:
    return list(AuditLog.select().where((AuditLog.operator_id == op.id) & (AuditLog.allowed == False))  # noqa: E712
                .order_by(AuditLog.id))


def writes(op: Operator) -> list[AuditLog]:
    return list(AuditLog.select().where((AuditLog.operator_id == op.id) & (AuditLog.allowed == True))  # noqa: E712
                .order_by(AuditLog.id))


@dataclass
class Refusal:
    error: PermissionDenied
    row: AuditLog  # the one audit row the refusal left


def expect_refused(op: Operator, call: Callable[[], Any]) -> Refusal:
    """``call()`` must raise :class:`PermissionDenied` in Chinese, leave exactly one refusal row
    for ``op`` and write nothing on its behalf."""
    refused_before, written_before = len(refusals(op)), len(writes(op))
    with pytest.raises(PermissionDenied) as exc:
        call()
    assert chinese(str(exc.value)), str(exc.value)
    rows = refusals(op)
    assert len(rows) == refused_before + 1, "refused without exactly one audit row"
    assert len(writes(op)) == written_before, "a refused attempt wrote something"
    return Refusal(exc.value, rows[-1])
