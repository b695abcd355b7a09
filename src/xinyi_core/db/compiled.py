"""Queries turned into SQL once: for the few a report or a screen runs every time.

Peewee builds a query's SQL by walking its expression tree in Python, on every run: 0.1–0.3 ms a
query, more than SQLite takes to run most of them. A routine sheet of a small town runs nine; their
SQL text was a sixth of the whole report. A :class:`Compiled` query is written once, as any peewee
query, with a mark where each value goes that changes from run to run:

    _REVIEWS = Compiled(lambda: MonthlyResult.select(MonthlyResult.person, MonthlyResult.result)
                        .where((MonthlyResult.town == Param("town")) & (MonthlyResult.period == Param("period"))))
    for person_id, result in _REVIEWS.run(town=town, period="2026-11"):
        ...

- :class:`Param`: one value, converted as peewee converts a value in its place (a model → its id for a
  foreign key, a date as the field stores it);
- :class:`Params`: a list of values, one bound parameter each (``column.in_(Params("days"))``; an empty
  list matches nothing);
- :class:`Ids`: a list of integer ids written into the SQL as literals, as :func:`xinyi_core.bulk.in_ids`
  does (``column.in_(Ids("people"))``): a town's people are too many to bind one by one.

Everything else in the query is fixed when it is first compiled — a value that differs between runs
must be a mark. The SQL is made the first time the query runs on each kind of database (SQLite,
PostgreSQL), from then on only its marks are filled in.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import peewee as pw

from ..errors import ValidationError
from .connection import database

__all__ = ["Compiled", "Ids", "Param", "Params", "id_literals"]


class _Mark:
    """A compiled query's parameter: filled from the run's value called ``name``."""

    __slots__ = ("name", "convert", "many")

    def __init__(self, name: str, convert: Callable[[Any], Any] | None, many: bool) -> None:
        self.name, self.convert, self.many = name, convert, many


def _text_mark(kind: str, name: str) -> str:
    # NUL never occurs in SQL text peewee writes (nor in values: they are parameters, and refused)
    return f"\x00{kind}:{name}\x00"


class Param(pw.Node):
    """One value of a :class:`Compiled` query, given by name at each run."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __sql__(self, ctx: pw.Context) -> pw.Context:
        # the converter peewee would apply to a value here (the compared field's db_value)
        return ctx.value(_Mark(self.name, ctx.state.converter, False), converter=False)


class Params(pw.Node):
    """A list of values of a :class:`Compiled` query (``column.in_(Params("days"))``), one bound
    parameter each, given by name at each run."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __sql__(self, ctx: pw.Context) -> pw.Context:
        ctx.literal("(" + _text_mark("params", self.name) + ")")
        # one parameter now, spread over as many marks as the run's list has
        return ctx.value(_Mark(self.name, ctx.state.converter, True), converter=False, add_param=False)


class Ids(pw.Node):
    """A list of integer ids written into a :class:`Compiled` query's SQL as literals at each run
    (``column.in_(Ids("people"))``), as :func:`xinyi_core.bulk.in_ids` writes them."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __sql__(self, ctx: pw.Context) -> pw.Context:
        return ctx.literal("(" + _text_mark("ids", self.name) + ")")


def id_literals(ids: Iterable[int]) -> str:
    """``ids`` as SQL integer literals, ``1,2,3`` (``NULL`` for none: ``x IN (NULL)`` matches nothing, as
    ``in_([])`` does) — only integers, each passed through ``int()``, one beyond 64 bits refused as a bound
    parameter is. :func:`xinyi_core.bulk.in_ids` and :class:`Ids` write their lists with it."""
    values = list(map(int, ids))
    if not values:
        return "NULL"
    if min(values) < -2**63 or max(values) >= 2**63:
        raise ValidationError("id", "validation.out_of_range")
    return ",".join(map(str, values))


class Compiled:
    """A peewee query (``build()`` makes it) whose SQL is made once per kind of database; :meth:`run`
    fills in its :class:`Param`, :class:`Params` and :class:`Ids` marks and runs it."""

    __slots__ = ("_build", "_query", "_made")

    def __init__(self, build: Callable[[], pw.Query]) -> None:
        self._build = build
        self._query: pw.Query | None = None
        self._made: dict[type, tuple[str, list[Any], tuple[str, ...], tuple[str, ...]]] = {}

    @property
    def query(self) -> pw.Query:
        """The query as built, marks and all (its model and its columns, for :func:`bulk.objects`)."""
        if self._query is None:
            self._query = self._build()
        return self._query

    def sql(self, **values: Any) -> tuple[str, list[Any]]:
        """The SQL and parameters of a run with ``values``, as ``query.sql()`` gives them."""
        db = database.obj
        made = self._made.get(type(db))
        if made is None:
            made = self._made[type(db)] = self._compile(db)
        sql, params, lists, ids = made
        for name in ids:
            sql = sql.replace(_text_mark("ids", name), id_literals(values[name]))
        out: list[Any] = []
        for p in params:
            if type(p) is not _Mark:
                out.append(p)
            elif p.many:
                many = list(values[p.name])
                out += map(p.convert, many) if p.convert else many
            else:
                out.append(p.convert(values[p.name]) if p.convert else values[p.name])
        for name in lists:
            count = len(values[name])
            sql = sql.replace(_text_mark("params", name), ", ".join([db.param] * count) if count else "NULL")
        return sql, out

    def run(self, **values: Any) -> Any:
        """Run the query with ``values`` (one for each mark's name); the database's cursor, its rows
        as the driver gives them (``database.execute(query)``'s: a date SQLite stores is a text; read
        by :func:`xinyi_core.bulk.tuples` or :func:`xinyi_core.bulk.objects` as peewee reads it)."""
        sql, params = self.sql(**values)
        return database.execute_sql(sql, params)

    def _compile(self, db: pw.Database) -> tuple[str, list[Any], tuple[str, ...], tuple[str, ...]]:
        sql, params = db.get_sql_context().sql(self.query).query()
        lists = tuple(dict.fromkeys(p.name for p in params if type(p) is _Mark and p.many))
        ids = tuple(dict.fromkeys(name for name in _names(sql, "ids")))
        return sql, params, lists, ids


def _names(sql: str, kind: str) -> list[str]:
    head = f"\x00{kind}:"
    return [part.split("\x00", 1)[0] for part in sql.split(head)[1:]]
