"""Import a roster of assistants from ``.xlsx`` or ``.csv``.

Every row is validated first; if any row is bad, every bad row is reported
with its row number and reason and *nothing* is imported. A good file is
imported in one transaction.

What a town office's file may look like: a title row (often merged cells) above
the header, "姓 名" spaced out, 序号 rows left blank, GBK/GB18030/UTF-8 CSV or
Excel's UTF-16 "Unicode 文本". What is refused with a Chinese message, before
anything is written: an unreadable or damaged file, a header naming a column
twice, several sheets that each hold a roster (only part would be imported), and
a long number Excel stored as a float (its last digits are gone).
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from . import audit, auth, clock, people, validators
from .db import database
from .errors import FormErrors, ValidationError, XinyiError
from .i18n import t
from .models import OrgUnit, Operator, Person, Post

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
HEADER_SCAN = 10  # the header may sit below a title row or two: look at this many non-empty rows
# Column header (as town offices write it) → field. Alternatives are accepted.
COLUMNS = {
    "name": ("姓名",),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "phone": ("手机号", "手机号码", "联系电话", "电话"),
    "political_status": ("政治面貌",),
    "education": ("学历", "文化程度"),
    "joined_on": ("入职日期", "参加工作时间", "上岗时间"),
    "town": ("镇（街道）", "镇(街道)", "镇街", "所在镇（街道）"),
    "village": ("村（社区）", "村(社区)", "村居", "工作单位"),
    "sex": ("性别",),
    "birth_date": ("出生年月", "出生日期"),
    "status": ("状态", "在岗状态"),
}
REQUIRED = ("name", "id_number", "phone", "town", "village")
# Excel keeps 15 significant digits: an 18-digit ID typed into a number cell loses its tail,
# as a float (xlsx) or as "3.20381E+17" (CSV saved by Excel).
EXACT_DIGITS = 10**15
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never in a text file's text


class _LostDigits(str):
    """A cell's text from a float too large to hold its digits (see :data:`EXACT_DIGITS`)."""


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it (header is row 1)
    field: str
    message: str

    def __str__(self) -> str:
        return t("import.row_error", row=self.row, field=t(f"person.field.{self.field}"), message=self.message)


@dataclass
class ImportResult:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)


class ImportFailed(XinyiError):
    key = "import.failed"

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(None, count=len(errors))


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row_number, {header: text})`` from a .csv or .xlsx file."""
    path = Path(path)
    if not path.is_file():  # missing, or a folder
        raise XinyiError("import.no_file", file=str(path))
    if path.stat().st_size > MAX_BYTES:
        raise XinyiError("import.too_large", mb=MAX_BYTES // (1024 * 1024))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            raw = path.read_bytes()
        except OSError:
            raise XinyiError("import.unreadable", file=str(path)) from None
        yield from _csv_rows(raw)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
    else:
        raise XinyiError("import.bad_type", suffix=suffix or "（无）")


def _decode(raw: bytes) -> str:
    # Excel in China saves CSV as GBK; its "Unicode 文本" is UTF-16 with a byte-order mark
    encodings = ("utf-16",) if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):  # GB18030 decodes almost any bytes: binary data is no text
            break
        return text
    raise XinyiError("import.bad_encoding")


def _csv_rows(raw: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    text = _decode(raw)
    first = text.split("\n", 1)[0]
    # strict: a quote never closed must not swallow the rest of the file into one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if "\t" in first and "," not in first else ",",
                        strict=True)

    def rows() -> Iterator[tuple[int, list[str]]]:
        n = 0  # records, as a spreadsheet numbers its rows (a cell may span lines)
        try:
            for n, values in enumerate(reader, start=1):
                yield n, values
        except csv.Error:  # an unclosed quote swallowing the file, a cell over 128 KB …
            raise XinyiError("import.bad_csv", row=n + 1) from None

    return _records(rows())


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # not a zip, a zip that is no workbook, broken XML …: openpyxl raises many kinds
        raise XinyiError("import.bad_xlsx") from None
    try:
        yield from _records(_sheet_rows(_roster_sheet(wb)))
    except XinyiError:
        raise
    except Exception:  # read-only mode parses each sheet as it is read: damage shows up here
        raise XinyiError("import.bad_xlsx") from None
    finally:
        wb.close()


def _sheet_rows(ws: Any) -> Iterator[tuple[int, list[str]]]:
    for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
        yield i, [_cell_text(v) for v in values]


def _roster_sheet(wb: Any) -> Any:
    """The one sheet holding a roster (a header and rows below it); several would import only
    part of the file, so they are refused. Notes, blank templates and other sheets are ignored."""
    def is_roster(ws: Any) -> bool:
        head = list(itertools.islice((v for _, v in _sheet_rows(ws) if any(v)), HEADER_SCAN + 1))
        return any({"name", "id_number"} <= set(_map_header(v)) for v in head[:-1])

    rosters = [ws for ws in wb.worksheets if is_roster(ws)]
    if len(rosters) > 1:
        raise XinyiError("import.many_sheets", sheets="、".join(ws.title for ws in rosters))
    if not rosters and not wb.worksheets:
        raise XinyiError("import.empty")
    return rosters[0] if rosters else wb.worksheets[0]


def _records(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(row_number, {header: text})`` for each non-empty row below the header.

    The header is the first of the first :data:`HEADER_SCAN` non-empty rows that names a known
    column (a merged title row may come first), else the first non-empty row.
    """
    head: list[tuple[int, list[str]]] = []
    for row_no, values in rows:
        if any(v.strip() for v in values):
            head.append((row_no, values))
            if _map_header(values) or len(head) >= HEADER_SCAN:
                break
    if not head:
        raise XinyiError("import.empty")
    pick = next((i for i, (_, v) in enumerate(head) if _map_header(v)), 0)
    header_row, header = head[pick]
    names = [h.strip() for h in header]
    _refuse_duplicate_columns(header_row, names)
    for row_no, values in itertools.chain(head[pick + 1:], rows):
        if any(v.strip() for v in values):
            yield row_no, dict(zip(names, values))


def _refuse_duplicate_columns(row: int, names: list[str]) -> None:
    """A column named twice: which of the two would be imported is a guess, so neither is."""
    from openpyxl.utils import get_column_letter

    known = {_norm(n) for names_ in COLUMNS.values() for n in names_}
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if _norm(name) in known:
            seen.setdefault(_norm(name), []).append(i)
    for positions in seen.values():
        if len(positions) > 1:
            raise XinyiError("import.duplicate_column", row=row, name=names[positions[0]],
                             columns="、".join(get_column_letter(i + 1) for i in positions))


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if hasattr(v, "date") and hasattr(v, "hour"):
        return v.date().isoformat()
    if isinstance(v, float) and v.is_integer():
        return _LostDigits(int(v)) if abs(v) >= EXACT_DIGITS else str(int(v))
    return str(v).strip()


def _norm(header: str) -> str:
    """Headers as typed: "姓 名" (spaced to align), "镇(街道)" with ASCII brackets."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", header))


def _map_header(headers: list[str]) -> dict[str, str]:
    """Field → the header (as written in the file) of its column."""
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(_norm(h), h)
    mapping = {}
    for fieldname, names in COLUMNS.items():
        for name in names:
            if _norm(name) in by_norm:
                mapping[fieldname] = by_norm[_norm(name)]
                break
    return mapping


def validate(path: Path) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Parse and check every row. Returns the clean rows and all errors."""
    villages = {(v.parent.name, v.name): v for v in
                OrgUnit.select(OrgUnit, OrgUnit.parent).where(OrgUnit.kind == "village")}
    town_names = {u.name for u in OrgUnit.select().where(OrgUnit.kind == "town")}
    known_ids = {p.id_number for p in Person.select(Person.id_number)}
    seen: dict[str, int] = {}
    good: list[dict[str, Any]] = []
    errors: list[RowError] = []
    mapping: dict[str, str] | None = None
    rows = []
    for row in read_rows(path):  # read (and count) every row before checking any
        if len(rows) >= MAX_ROWS:
            raise XinyiError("import.too_many_rows", limit=MAX_ROWS)
        rows.append(row)
    for row_no, raw in rows:
        if mapping is None:
            mapping = _map_header(list(raw))
            missing = [f for f in REQUIRED if f not in mapping]
            if missing:
                raise XinyiError("import.missing_columns",
                                 columns="、".join(COLUMNS[f][0] for f in missing))
        data = {f: raw.get(col, "") for f, col in mapping.items()}
        if not any(v.strip() for v in data.values()):
            continue  # only 序号 or a note filled in: a blank row of the template
        row_errors: dict[str, str] = {}
        # digits Excel dropped: the number left would be a wrong one (and a wrong sex or birth date)
        lost = {f for f in ("id_number", "phone")
                if isinstance(data.get(f), _LostDigits) or _SCIENTIFIC.match(data.get(f, "").strip())}
        try:
            cleaned = people.clean({f: v for f, v in data.items() if f not in lost})
        except FormErrors as exc:
            row_errors.update(exc.errors)
            cleaned = {}
        row_errors.update({f: t("import.lost_digits") for f in lost})
        town, village_name = data["town"].strip(), data["village"].strip()
        village = villages.get((town, village_name))
        if town not in town_names:
            row_errors["town"] = t("import.unknown_town", town=town)
        elif village is None:
            row_errors["village"] = t("import.unknown_village", village=village_name, town=town)
        status = "on_duty"
        if data.get("status", "").strip():
            try:
                status = validators.choice(data["status"], ("candidate", "on_duty"), "status",
                                           {k: v for k, v in people.labels("status").items() if k != "departed"})
            except ValidationError as exc:
                row_errors["status"] = exc.message
        number = cleaned.get("id_number")
        if number:
            if number in known_ids:
                row_errors["id_number"] = t("person.duplicate_id")
            elif number in seen:
                row_errors["id_number"] = t("import.duplicate_in_file", row=seen[number])
            else:
                seen[number] = row_no
        if row_errors:
            errors.extend(RowError(row_no, f, m) for f, m in row_errors.items())
        else:
            good.append({**cleaned, "village": village, "status": status})
    if not good and not errors:  # no row at all, or only blank template rows
        raise XinyiError("import.empty")
    return good, errors


def import_people(path: Path, operator: Operator | None = None) -> ImportResult:
    """Validate the whole file, then import it in one transaction, or nothing."""
    if operator is not None:
        auth.require(operator, "people.import")
    rows, errors = validate(Path(path))
    if errors:
        raise ImportFailed(errors)
    vacant: dict[int, list[Post]] = {}
    for post in Post.select().where(Post.id.not_in(Person.select(Person.post).where(Person.post.is_null(False)))):
        vacant.setdefault(post.village_id, []).append(post)
    with database.atomic():
        for row in rows:
            village = row.pop("village")
            status = row.pop("status")
            post = vacant.get(village.id, []).pop(0) if vacant.get(village.id) else Post.create(village=village)
            person = people.insert(row, post, status=status, joined_on=row.get("joined_on") or clock.today(),
                                   operator=operator, reason="import")
            # every write is audited per person, so `xinyi audit --person` shows where a record came from
            audit.record(operator, "people.import", person, person_id=person.id, after=audit.snapshot(person),
                         note=Path(path).name)
        audit.record(operator, "people.import", object_type="file", note=f"{Path(path).name}: {len(rows)}")
    return ImportResult(imported=len(rows))
