"""Writing many rows fast, on SQLite and PostgreSQL alike (the demo city at province scale).

Rows are plain tuples whose values are already what the database stores (ids,
``'2026-03-02'`` for a date, ``'2026-03-02 17:05:00'`` for a time stamp, text
and booleans), in the order of the column names given — no model instances,
no per-value ``db_value``. They are written in chunks from any iterable, so a
caller can stream a year of daily rows without holding them, inside the
caller's transaction:

- SQLite: one prepared ``INSERT`` run by ``executemany`` per chunk;
- PostgreSQL: ``COPY … FROM STDIN`` per chunk (text format, values escaped here).
  psycopg2's own ``executemany`` is a round trip per row, and a multi-row ``VALUES``
  (``execute_values``) spends as much client CPU quoting each value (``mogrify``) as the
  server spends parsing the statement: COPY was ~4× faster for the demo's year of rows.

A writer that links rows to rows it writes itself (a log entry and its
consultations) gives ids explicitly: :func:`next_id` before, :func:`sync_ids`
after, so PostgreSQL's sequence continues past them.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
from typing import Any, Iterable, Iterator, Sequence

import peewee as pw

from .db import Compiled, database, is_sqlite
from .db.compiled import id_literals

CHUNK = 5000


# COPY's text format: a backslash, tab, newline or carriage return in a value is escaped; NULL is \N
_NUL = "\x00"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)  # a number; a date / datetime as ISO text


def _copy_rows(batch: list[Sequence[Any]], width: int) -> io.StringIO:
    """``batch`` as COPY text. Most rows need no escaping: ``str`` of each value joined by tabs is
    right when the line has exactly ``width - 1`` tabs and no backslash, newline or carriage
    return (a boolean's ``True`` / ``False`` is PostgreSQL's too). ``None`` is written as U+0000
    first, which no value can hold (PostgreSQL refuses it in text, ``db._RefuseNul``), and becomes
    ``\\N`` after the check. Other rows go value by value."""
    tabs, out, slow = width - 1, [], _copy_value
    for row in batch:
        nulls = None in row
        line = "\t".join(map(str, [_NUL if x is None else x for x in row] if nulls else row))
        if line.count("\t") == tabs and "\\" not in line and "\n" not in line and "\r" not in line:
            out.append(line.replace(_NUL, "\\N") if nulls else line)
        else:
            out.append("\t".join([slow(x) for x in row]))
    out.append("")
    return io.StringIO("\n".join(out))


def _quote(name: str) -> str:
    q = database.obj.quote
    return q[0] + name + q[1]


def insert(model: type[pw.Model], names: Sequence[str], rows: Iterable[Sequence[Any]], chunk: int = CHUNK) -> int:
    """Insert ``rows`` (values in the order of the field ``names``) into ``model``'s table.

    Fields not named take their model default (computed once, a callable one too: a
    ``created_at`` default is the same moment for every row). Returns how many rows
    were written. Runs in the caller's transaction (the caller should open one).
    """
    fields = [model._meta.fields[n] for n in names]
    rest = [f for n, f in model._meta.fields.items()
            if n not in names and f.default is not None and not f.primary_key]
    suffix = tuple(f.db_value(f.default() if callable(f.default) else f.default) for f in rest)
    fields += rest
    columns = ", ".join(_quote(f.column_name) for f in fields)
    head = f"INSERT INTO {_quote(model._meta.table_name)} ({columns}) VALUES "
    sqlite = is_sqlite()
    cursor = database.cursor()
    if sqlite:
        sql = head + "(" + ", ".join([database.obj.param] * len(fields)) + ")"
    else:
        sql = f"COPY {_quote(model._meta.table_name)} ({columns}) FROM STDIN"
    count = 0
    it = iter(rows)
    while True:
        batch = list(itertools.islice(it, chunk))
        if not batch:
            return count
        if suffix:
            batch = [(*row, *suffix) for row in batch]
        if sqlite:
            cursor.executemany(sql, batch)
        else:
            cursor.copy_expert(sql, _copy_rows(batch, len(fields)))
        count += len(batch)


def update(model: type[pw.Model], names: Sequence[str], rows: Iterable[Sequence[Any]], chunk: int = 500) -> None:
    """``UPDATE table SET name = … WHERE id = …`` for each row: the values of the field ``names``
    then the row's id, as the database stores them. SQLite: one prepared statement run by
    ``executemany``; PostgreSQL: ``chunk`` statements in one round trip (psycopg2's
    ``execute_batch``; its ``executemany`` is a round trip per row). In the caller's transaction."""
    cols = [model._meta.fields[n] for n in names]
    p = database.obj.param
    sql = (f"UPDATE {_quote(model._meta.table_name)} SET " + ", ".join(f"{_quote(c.column_name)} = {p}" for c in cols)
           + f" WHERE {_quote(model._meta.primary_key.column_name)} = {p}")
    cursor = database.cursor()
    if is_sqlite():
        cursor.executemany(sql, rows)
        return
    from psycopg2.extras import execute_batch

    execute_batch(cursor, sql, rows, page_size=chunk)


def in_ids(column: Any, ids: Iterable[int]) -> pw.Expression:
    """``column IN (1, 2, …)`` with the ids written into the SQL as integer literals.

    For reading many people's rows at once (the bulk hooks): peewee's ``column.in_(ids)``
    builds, converts and binds one parameter per id — ~4 ms for a town of 1,300 people, as
    much as the query itself — where the literals cost a join of strings. Only integers
    (each passed through ``int()``, one beyond 64 bits refused as a bound parameter is); an
    empty list matches nothing, as ``in_([])`` does.
    """
    ids = list(map(int, ids))
    if not ids:
        return column.in_([])
    return column.in_(pw.SQL("(" + id_literals(ids) + ")"))


def objects(query: pw.ModelSelect | Compiled, **values: Any) -> list[Any]:
    """The model instances of ``query`` — a ``Model.select()`` of that model's own fields (with any
    ``where``, ``join`` for filtering, ``order_by``) — as ``list(query)`` makes them, for many rows.

    For a report that must hand model objects on (the bulk hooks take ``Person`` objects): peewee
    converts each value through its field's ``python_value``, parses each date and time stamp with
    ``strptime`` and sets each field through its descriptor — ~15 µs a ``Person``, more than the
    query. Here a column whose values are all already what its field makes of them (an integer, a
    text, a float, or NULL, for peewee's own plain fields) is taken as it is, a date (``YYYY-MM-DD``)
    or time stamp (``YYYY-MM-DD hh:mm:ss[.ffffff]``) stored as text (SQLite) is read by
    ``fromisoformat`` (the same value), every other value goes through ``python_value`` as
    peewee's does, and each object gets its values at once. A query selecting anything else
    (another model's columns, an expression) is read by peewee.

    ``query`` may be a :class:`~xinyi_core.db.Compiled` one, run with ``values``.
    """
    compiled = query if isinstance(query, Compiled) else None
    if compiled is not None:
        query = compiled.query
    model = query.model
    fields = list(query._returning)
    if not fields or not all(isinstance(f, pw.Field) and f.model is model for f in fields):
        if compiled is None:
            return list(query)
        sql, params = compiled.sql(**values)
        return list(model.raw(sql, *params))
    rows = _cursor(compiled or query, values).fetchall()
    if not rows:
        return []
    columns: list[Any] = list(zip(*rows))
    for i, field in enumerate(fields):
        plain = _plain_type(field)
        if plain is not None and set(map(type, columns[i])) <= {plain, type(None)}:
            continue  # python_value would give each value back as it is
        columns[i] = list(map(_fast_python_value(field), columns[i]))
    names = [f.name for f in fields]
    if model.__init__ is not pw.Model.__init__:  # a model of its own making: let it make its objects
        return [_made(model, dict(zip(names, row))) for row in zip(*columns)]
    out = []
    new = object.__new__
    for row in zip(*columns):
        # what pw.Model.__init__(__no_default__=1) sets, with the values peewee's reading would set
        obj = new(model)
        obj.__data__, obj._dirty, obj.__rel__ = dict(zip(names, row)), set(), {}
        out.append(obj)
    return out


def _cursor(query: pw.Select | Compiled, values: dict[str, Any]) -> Any:
    """The database's cursor of ``query`` (a :class:`~xinyi_core.db.Compiled` one run with ``values``)."""
    return query.run(**values) if isinstance(query, Compiled) else database.execute(query)


TUPLES_BATCH = 500  # rows of :func:`tuples` read and converted at a time: a streamed roll's memory stays a batch's


def tuples(query: pw.Select | Compiled, **values: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` (a :class:`~xinyi_core.db.Compiled` one run with ``values``) as
    ``query.tuples().iterator()`` gives them — each selected field's values as the field reads them (a
    date is a date), other columns as the database gives them — read a batch at a time, each batch's
    values converted a column at a time (peewee converts every value of every row through its field:
    the plain ids and texts of a roll of 500 cost more than the report's own work on them)."""
    cursor = _cursor(query, values)
    returning = (query.query if isinstance(query, Compiled) else query)._returning
    read = [None if not isinstance(c, pw.Field) or _plain_type(c) is not None else _fast_python_value(c)
            for c in returning]
    convert = any(read)
    while rows := cursor.fetchmany(TUPLES_BATCH):
        if convert:
            rows = list(zip(*[col if r is None else list(map(r, col)) for col, r in zip(zip(*rows), read)]))
        yield from rows


def _made(model: Any, data: dict[str, Any]) -> Any:
    obj = model(__no_default__=1)
    obj.__data__ = data
    obj._dirty.clear()
    return obj


def _plain_type(field: pw.Field) -> type | None:
    """The type whose values ``field.python_value`` returns unchanged, for peewee's own plain fields."""
    kind = type(field)
    if kind is pw.ForeignKeyField:
        return _plain_type(field.rel_field)
    if kind in (pw.AutoField, pw.IntegerField, pw.BigIntegerField, pw.SmallIntegerField):
        return int
    if kind in (pw.CharField, pw.TextField, pw.FixedCharField):
        return str
    if kind in (pw.FloatField, pw.DoubleField):
        return float
    return None


def _fast_python_value(field: pw.Field) -> Any:
    """``field.python_value``, with ISO dates and time stamps stored as text parsed by ``fromisoformat``
    (only the shapes peewee's first formats read: ``YYYY-MM-DD``; ``YYYY-MM-DD hh:mm:ss[.ffffff]``)."""
    slow = field.python_value
    if isinstance(field, pw.DateTimeField):
        parse_datetime = dt.datetime.fromisoformat

        def convert(value: Any) -> Any:
            if type(value) is str and (len(value) == 19 or (len(value) == 26 and value[19] == ".")) \
                    and value[4] == value[7] == "-" and value[10] == " " and value[13] == value[16] == ":":
                try:
                    return parse_datetime(value)
                except ValueError:
                    pass
            return slow(value)
    elif isinstance(field, pw.DateField):
        parse_date = dt.date.fromisoformat

        def convert(value: Any) -> Any:
            if type(value) is str and len(value) == 10 and value[4] == value[7] == "-":
                try:
                    return parse_date(value)
                except ValueError:
                    pass
            return slow(value)
    else:
        return slow
    return convert


def chunks(rows: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``rows`` in lists of at most ``size``."""
    it = iter(rows)
    while batch := list(itertools.islice(it, size)):
        yield batch


def next_id(model: type[pw.Model]) -> int:
    """The first free id of ``model``'s table, for rows given their ids explicitly."""
    return (model.select(pw.fn.MAX(model._meta.primary_key)).scalar() or 0) + 1


def sync_ids(model: type[pw.Model]) -> None:
    """After rows written with explicit ids: PostgreSQL's sequence continues after the largest
    (SQLite takes the largest rowid + 1 by itself)."""
    if is_sqlite():
        return
    table, pk = model._meta.table_name, model._meta.primary_key.column_name
    database.execute_sql(f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                         f"(SELECT COALESCE(MAX({_quote(pk)}), 0) + 1 FROM {_quote(table)}), false)",
                         (_quote(table), pk))


@contextlib.contextmanager
def big_cache(mib: int = 256) -> Iterator[None]:
    """A larger SQLite page cache while a bulk writer runs (the deployment's is 2 MiB, for
    readers on small machines): a year of rows into indexed tables otherwise spills and
    rereads index pages all the time. Nothing on PostgreSQL."""
    if not is_sqlite():
        yield
        return
    before = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    database.execute_sql(f"PRAGMA cache_size = {-int(mib) * 1024}")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(before)}")


@contextlib.contextmanager
def indexes_after(*models: type[pw.Model]) -> Iterator[None]:
    """Drop the plain (not unique) indexes of ``models``' tables while the caller writes, and
    make them again from their own definitions after: building an index from a million rows at
    once is several times faster than keeping it up to date row by row. Inside the caller's
    transaction, on both databases (PostgreSQL's DDL is transactional; SQLite's too)."""
    saved: list[str] = []
    for model in models:
        table = model._meta.table_name
        if is_sqlite():
            found = database.execute_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                (table,)).fetchall()
        else:
            found = database.execute_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND schemaname = current_schema()",
                (table,)).fetchall()
        for name, sql in found:
            if "UNIQUE" in sql.upper().split("(")[0]:
                continue  # constraints stay (and a primary key is one)
            database.execute_sql(f"DROP INDEX {_quote(name)}")
            saved.append(sql)
    try:
        yield
    finally:
        for sql in saved:
            database.execute_sql(sql)
