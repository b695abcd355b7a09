"""Import a roster of assistants from ``.xlsx`` or ``.csv``.

Every row is validated first; if any row is bad, every bad row is reported
with its row number and reason and *nothing* is imported. A good file is
imported in one transaction.
"""
from __future__ import annotations

import csv
import io
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
    if not path.exists():
        raise XinyiError("import.no_file", file=str(path))
    if path.stat().st_size > MAX_BYTES:
        raise XinyiError("import.too_large", mb=MAX_BYTES // (1024 * 1024))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_rows(path.read_bytes())
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
    else:
        raise XinyiError("import.bad_type", suffix=suffix or "（无）")


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise XinyiError("import.bad_encoding")


def _csv_rows(raw: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(_decode(raw), newline=""))
    header = next(reader, None)
    if header is None:
        raise XinyiError("import.empty")
    for i, values in enumerate(reader, start=2):
        if any(v.strip() for v in values):
            yield i, dict(zip([h.strip() for h in header], values))


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise XinyiError("import.bad_xlsx") from None
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise XinyiError("import.empty")
        names = [str(h).strip() if h is not None else "" for h in header]
        for i, values in enumerate(rows, start=2):
            texts = [_cell_text(v) for v in values]
            if any(texts):
                yield i, dict(zip(names, texts))
    finally:
        wb.close()


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if hasattr(v, "date") and hasattr(v, "hour"):
        return v.date().isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _map_header(headers: list[str]) -> dict[str, str]:
    mapping = {}
    for fieldname, names in COLUMNS.items():
        for name in names:
            if name in headers:
                mapping[fieldname] = name
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
    for n, (row_no, raw) in enumerate(read_rows(path)):
        if n >= MAX_ROWS:
            raise XinyiError("import.too_many_rows", limit=MAX_ROWS)
        if mapping is None:
            mapping = _map_header(list(raw))
            missing = [f for f in REQUIRED if f not in mapping]
            if missing:
                raise XinyiError("import.missing_columns",
                                 columns="、".join(COLUMNS[f][0] for f in missing))
        data = {f: raw.get(col, "") for f, col in mapping.items()}
        row_errors: dict[str, str] = {}
        try:
            cleaned = people.clean(data)
        except FormErrors as exc:
            row_errors.update(exc.errors)
            cleaned = {}
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
    if mapping is None:
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
