"""The one place that writes documents: ``.xlsx`` (openpyxl) and ``.docx`` (python-docx).

Town offices print these forms on A4 and file them, so every sheet gets the
same page set-up: A4, the right orientation, fit to one page wide, repeated
title rows, a centred footer "第 N 页，共 M 页", Chinese fonts (宋体 for
tables, 仿宋 for body text, 黑体 for titles) and column widths measured in
double-width characters. Plugins build their official forms (附件1–5) from
the helpers here instead of styling cells themselves.

Files are written through :func:`atomic_path`: to a temporary name in the
target folder, then renamed over the final name, so a reader never sees a
half-written file and a re-run replaces the old file in one step; a set of
files that belong together (a report's formats) through :func:`atomic_paths`.

Files are named for the people who download and file them, never by internal
ids: ``新安街道_2026年11月_月度考勤汇总.xlsx``, ``请假单_郭伟志_2026-12-07.docx``
(:func:`file_name`). A document of one record goes through :func:`named_path`,
which keeps names unique — ``_2``, ``_3`` when another record's file has the
name — while printing the same record again replaces its own file: the record's
``key`` is written into the document's properties (``save_docx``/``save_xlsx``).
"""
from __future__ import annotations

import copy

import contextlib
import fcntl
import glob
import itertools
import json
import math
import os
import re
import socket
import unicodedata
import uuid
import zipfile
from xml.etree import ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from lxml.etree import Element as _Element, SubElement as _SubElement
from openpyxl import LXML as _LXML, Workbook
from openpyxl.cell.cell import ERROR_CODES as _ERROR_CODES, ILLEGAL_CHARACTERS_RE as _ILLEGAL
from openpyxl.compat import safe_string as _safe_string
from openpyxl.xml.functions import XML_NS
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from . import files
from .i18n import t

SONG = "宋体"
FANGSONG = "仿宋"
HEI = "黑体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)


# --------------------------------------------------------------------------- files

@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; on success rename it over ``final``.

    On error the temporary file is removed and ``final`` is left as it was.
    A process killed while writing cannot remove its temporary file: the next
    write of the same ``final`` does (:func:`_sweep`).
    """
    final = Path(final)
    files.make_dir(final.parent)  # the deployment's modes and group, whoever makes the folder first
    _sweep(final)
    tmp = _tmp_path(final)
    try:
        yield tmp
        files.secure(tmp)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def _tmp_path(final: Path) -> Path:
    return final.with_name(f".{final.stem}.{uuid.uuid4().hex[:8]}.{os.getpid()}@{socket.gethostname()}"
                           f".tmp{final.suffix}")


@contextlib.contextmanager
def atomic_paths(finals: Iterable[Path]) -> Iterator[dict[Path, Path]]:
    """Like :func:`atomic_path` for a set of files that belong together — a report's ``.xlsx``
    and ``.docx``, one folder and one name: yield a temporary path for each; once every one is
    written, put them all in place together, or, on error, none.

    The renames are written down first in a commit journal (``.<name>.<pid>@<host>.commit``),
    under an exclusive lock on the folder, and the journal is removed after the last rename. A
    writer killed between two renames leaves its journal behind: the next writer of the set, or a
    reader calling :func:`settle`, completes the renames first. A reader that must have the whole
    set (print, send, copy) calls :func:`settle` before it opens the files.
    """
    finals = [Path(f) for f in finals]
    folder = finals[0].parent
    files.make_dir(folder)  # the deployment's modes and group, whoever makes the folder first
    settle(finals[0])  # before the sweep: an unfinished commit's temporary files are its new files
    for final in finals:
        _sweep(final)
    temps = {final: _tmp_path(final) for final in finals}
    journaled = False
    try:
        yield temps
        for tmp in temps.values():
            tmp.stat()  # each was written (a render that wrote nothing fails here, before anything moved)
            files.secure(tmp)
        with _folder_lock(folder) as locked:
            _roll_forward(finals[0], locked)
            journal = folder / f".{finals[0].stem}.{os.getpid()}@{socket.gethostname()}.commit"
            journal.write_text(json.dumps([[tmp.name, final.name] for final, tmp in temps.items()]), "utf-8")
            journaled = True
            for final, tmp in temps.items():
                os.replace(tmp, final)
            journal.unlink()
    finally:
        if not journaled:  # after the journal, its temporary files are the set's new files
            for tmp in temps.values():
                tmp.unlink(missing_ok=True)


def settle(final: Path) -> None:
    """Complete the commit of ``final``'s set (:func:`atomic_paths`) that a killed writer left half
    done; after it, the files of the set are all old or all new. Cheap when there is none."""
    final = Path(final)
    if not final.parent.is_dir():
        return
    with _folder_lock(final.parent) as locked:
        _roll_forward(final, locked)


def _roll_forward(final: Path, locked: bool) -> None:
    """Finish the renames of every abandoned commit journal of ``final``'s set.

    Holding the folder's lock, any journal found is abandoned (its writer renames and removes it
    under the lock). Without the lock (a file system that has none) only one of an ended
    process on this machine is.
    """
    head, tail = f".{final.stem}.", ".commit"
    for journal in final.parent.glob(glob.escape(head) + "*" + glob.escape(tail)):
        pid, _, host = journal.name[len(head):-len(tail)].partition("@")
        if not pid.isdigit():
            continue
        if not locked and (host != socket.gethostname() or _alive(int(pid))):
            continue
        try:
            renames = json.loads(journal.read_text("utf-8"))
        except (OSError, ValueError):
            renames = []  # cut short while being written: no rename had begun
        for tmp, name in renames:
            try:
                os.replace(final.parent / tmp, final.parent / name)
            except FileNotFoundError:
                pass  # renamed before the writer died
        journal.unlink(missing_ok=True)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[bool]:
    """An exclusive lock on ``folder`` while a set of files is put in place; True if held (a network
    file system may refuse locks on folders: then writers rely on the journal's owner alone)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)  # releases the lock


def _sweep(final: Path) -> None:
    """Remove the temporary files of ``final`` left by ended processes of this machine.

    The name says who writes it (``.<stem>.<random>.<pid>@<host>.tmp<suffix>``):
    a writer still alive, or on another machine sharing the folder, is left alone.
    """
    head, tail = f".{final.stem}.", f".tmp{final.suffix}"
    host = socket.gethostname()
    for path in final.parent.glob(glob.escape(head) + "*" + glob.escape(tail)):
        _, _, owner = path.name[len(head):-len(tail)].partition(".")
        pid, _, where = owner.partition("@")
        if where == host and pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


# Characters no file name may hold on the operators' PCs (Windows), and blanks: a name is one word.
_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\s\x00-\x1f]+')
_DC_IDENTIFIER = "{http://purl.org/dc/elements/1.1/}identifier"


def file_name(*parts: Any, suffix: str) -> str:
    """A file name a person reads: the non-empty ``parts`` joined by ``_``, then ``.suffix``.

    ``file_name("新安街道", "2026年11月", "月度考勤汇总", suffix="xlsx")`` is
    ``新安街道_2026年11月_月度考勤汇总.xlsx``. Characters a Windows file name cannot
    hold and blanks are left out, so the file keeps its name on the clerk's PC.
    """
    words = [_NOT_IN_NAMES.sub("", str(p)) for p in parts if p not in (None, "")]
    return "_".join(w for w in words if w) + "." + suffix.lstrip(".")


def named_path(folder: Path, *parts: Any, suffix: str, key: str | None = None) -> Path:
    """Where a document named :func:`file_name` of ``parts`` goes in ``folder``, kept unique.

    A free name is taken as it is. A name already taken by a file of the same record
    (``key``, as :func:`save_docx`/:func:`save_xlsx` wrote it into that file) is taken
    again: the document is written anew in place. A name taken by another file gets
    ``_2``, ``_3``… (two 郭伟志 on leave from the same day). Without ``key`` every call
    gets a name no file has yet. Two writers choosing at the very same moment may
    choose the same name; the later file then replaces the earlier (written whole).
    """
    folder = Path(folder)
    first = file_name(*parts, suffix=suffix)
    stem, dot, ext = first.rpartition(".")
    for n in itertools.count(1):
        path = folder / (first if n == 1 else f"{stem}_{n}{dot}{ext}")
        if not path.exists() or (key is not None and file_key(path) == key):
            return path
    raise AssertionError("unreachable")


def file_key(path: Path) -> str | None:
    """The record key written into a .docx/.xlsx (its core property ``identifier``), if any."""
    try:
        with zipfile.ZipFile(path) as z:
            root = ElementTree.fromstring(z.read("docProps/core.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return None
    found = root.find(_DC_IDENTIFIER)
    return found.text if found is not None and found.text else None


def display_width(text: Any) -> int:
    """Width in half-width columns: a CJK character counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text or ""))


# --------------------------------------------------------------------------- xlsx

def workbook(*, write_only: bool = False) -> tuple[Workbook, Worksheet]:
    """A new workbook and its sheet. ``write_only``: a streamed sheet for a plain list written by
    :func:`table_sheet` (no cell objects kept: a large list's time and memory near a bare writer's);
    set its title, then call :func:`table_sheet` once, then save."""
    if write_only:
        wb = Workbook(write_only=True)
        return wb, wb.create_sheet()
    wb = Workbook()
    return wb, wb.active


def page_setup(ws: Worksheet, *, landscape: bool = False, fit_width: bool = True,
               title_rows: str | None = None, footer: bool = True) -> None:
    """A4, orientation, fit to one page wide, centred, repeated title rows, page-number footer."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    if fit_width:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.7, bottom=0.7, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    if footer:
        ws.oddFooter.center.text = t("export.footer")
        ws.oddFooter.center.font = SONG
        ws.oddFooter.center.size = 9


def set_widths(ws: Worksheet, widths: Sequence[float], first_col: int = 1) -> None:
    """Column widths in Excel units (≈ one half-width character each)."""
    for i, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(first_col + i)].width = width


def fit_widths(ws: Worksheet, columns: Sequence[Sequence[Any]], *, minimum: int = 6, maximum: int = 40,
               first_col: int = 1) -> list[float]:
    """Widths that fit each column's longest value (CJK counted double)."""
    widths = [_fit(col, minimum, maximum) for col in columns]
    set_widths(ws, widths, first_col)
    return widths


def _fit(values: Sequence[Any], minimum: int = 6, maximum: int = 40) -> int:
    return min(maximum, max(minimum, *(display_width(v) + 2 for v in values)))


def merged(ws: Worksheet, row: int, col: int, value: Any, *, rows: int = 1, cols: int = 1,
           font: Font | None = None, align: Alignment = CENTER, border: bool = True) -> None:
    """Write ``value`` into a block of ``rows`` × ``cols`` cells merged into one."""
    if rows > 1 or cols > 1:
        ws.merge_cells(start_row=row, start_column=col, end_row=row + rows - 1, end_column=col + cols - 1)
    cell = ws.cell(row=row, column=col, value=value)
    cell.font = font or Font(name=SONG, size=11)
    cell.alignment = align
    if border:
        grid(ws, row, col, row + rows - 1, col + cols - 1)


def title_row(ws: Worksheet, row: int, text: str, ncols: int, *, size: int = 18, height: float = 36) -> None:
    """The form's title, merged across the table, 黑体, no border."""
    merged(ws, row, 1, text, cols=ncols, font=Font(name=HEI, size=size), border=False)
    ws.row_dimensions[row].height = height


def note_row(ws: Worksheet, row: int, text: str, ncols: int, *, right: bool = False) -> None:
    """A line under the title (unit, period, date filled in), 仿宋."""
    align = Alignment(horizontal="right" if right else "left", vertical="center")
    merged(ws, row, 1, text, cols=ncols, font=Font(name=FANGSONG, size=11), align=align, border=False)
    ws.row_dimensions[row].height = 20


def header_row(ws: Worksheet, row: int, headers: Sequence[str], *, height: float = 30) -> None:
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = Font(name=SONG, size=11, bold=True)
        cell.alignment = CENTER
        cell.border = BORDER
    ws.row_dimensions[row].height = height


def data_rows(ws: Worksheet, first_row: int, rows: Iterable[Sequence[Any]], *, size: int = 10,
              left_cols: Iterable[int] = (), height: float | None = 20) -> int:
    """Write bordered body rows; returns the last row written (``first_row - 1`` if none)."""
    left = set(left_cols)
    row = first_row - 1
    # the style of a body cell, made once per alignment and copied: setting font, alignment and
    # border on each cell hashes three style objects into the workbook per cell (most of a large
    # table's time); the copied style array is the same style, index for index
    styles: dict[tuple[bool, int], Any] = {}  # (left-aligned, number format the value gave the cell)
    for row, values in enumerate(rows, start=first_row):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            key = (col in left, cell._style.numFmtId if cell._style is not None else 0)  # a date sets its format
            style = styles.get(key)
            if style is None:
                cell.font = Font(name=SONG, size=size)
                cell.alignment = LEFT if key[0] else CENTER
                cell.border = BORDER
                styles[key] = copy.copy(cell._style)
            else:
                cell._style = copy.copy(style)
        if height:
            ws.row_dimensions[row].height = height
    return row


def grid(ws: Worksheet, top: int, left: int, bottom: int, right: int) -> None:
    """Thin borders on every cell of a block (merged blocks need every cell bordered)."""
    for row in ws.iter_rows(min_row=top, max_row=bottom, min_col=left, max_col=right):
        for cell in row:
            cell.border = BORDER


def opinion_block(ws: Worksheet, row: int, label: str, ncols: int, *, label_cols: int = 2,
                  height: float = 72, seal: bool = False) -> int:
    """"XX 意见" box: the label on the left, room to write, signature and date bottom-right.

    Returns the row after the block.
    """
    merged(ws, row, 1, label, cols=label_cols, font=Font(name=SONG, size=11, bold=True))
    sign = t("export.seal_date") if seal else t("export.sign_date")
    merged(ws, row, label_cols + 1, "\n\n" + sign, cols=ncols - label_cols,
           font=Font(name=FANGSONG, size=11), align=Alignment(horizontal="right", vertical="bottom", wrap_text=True))
    ws.row_dimensions[row].height = height
    return row + 1


def print_area(ws: Worksheet, last_row: int, ncols: int) -> None:
    ws.print_area = f"A1:{get_column_letter(ncols)}{max(1, last_row)}"


@dataclass(frozen=True)
class Column:
    header: str
    width: float | None = None  # None: fit the content
    left: bool = False  # left-align (long text); numbers and codes are centred


def table_sheet(ws: Worksheet, *, title: str, note: str, columns: Sequence[Column],
                rows: Sequence[Sequence[Any]], landscape: bool = True, footer_note: str | None = None,
                span: int | None = None) -> int:
    """A complete printed list: title, note line, header, bordered rows, A4 set-up.

    The title, note and header repeat on every printed page. Returns the last row. The title and
    note lines span the table's columns, or ``span`` columns (a sheet with charts below, wider
    than its table). A write-only sheet (:func:`workbook` ``write_only=True``) gets the same cells,
    streamed.
    """
    if isinstance(ws, WriteOnlyWorksheet):
        return _streamed_table(ws, title=title, note=note, columns=columns, rows=rows, landscape=landscape,
                               footer_note=footer_note, span=span)
    n = len(columns)
    title_row(ws, 1, title, span or n)
    note_row(ws, 2, note, span or n)
    header_row(ws, 3, [c.header for c in columns])
    last = data_rows(ws, 4, rows, left_cols=[i for i, c in enumerate(columns, start=1) if c.left])
    set_widths(ws, [c.width or _fit([c.header, *(r[i] for r in rows)]) for i, c in enumerate(columns)])
    if footer_note:
        last += 1
        note_row(ws, last, footer_note, n, right=True)
    ws.freeze_panes = "A4"
    page_setup(ws, landscape=landscape, title_rows="1:3")
    print_area(ws, last, n)
    return last


class _FixedStyleCell(Cell):
    """A streamed body cell whose style never changes: its style's index in the workbook looked up once,
    not hashed again for every value written through it."""

    __slots__ = ("_sid",)

    def __init__(self, ws: Any, style: Any) -> None:
        super().__init__(ws, row=1, column=1, style_array=style)
        self._sid = ws.parent._cell_styles.add(self._style)

    @property
    def style_id(self) -> int:  # type: ignore[override]
        return self._sid

    @property
    def has_style(self) -> bool:  # type: ignore[override]
        return True


_XML_SPACE = "{%s}space" % XML_NS
FAST_ROWS = True  # :class:`_RowWriter` for a streamed table's body (False: openpyxl's cells, as a test compares)


def _as_they_are(values: Any, row_idx: int) -> Any:
    return values


class _RowWriter:
    """A streamed table's body row written as one element made at once: the same XML as openpyxl's
    writer makes of each cell (``<c r="B7" s="3" t="inlineStr"><is><t>…</t></is></c>``, ``t="n"``
    with a ``<v>`` for a number, an empty ``<c>`` for nothing), not a cell object per value and
    three nested elements opened and closed on the stream — half of a plain list's writing time
    (a bare openpyxl writer's ``append`` included). A row holding anything else (a date, a text
    openpyxl would read as a formula or an error code, or refuse) goes through openpyxl's cells."""

    __slots__ = ("write", "cells", "style_id", "dimensions", "styles", "letters")

    def __init__(self, write: Any, cells: Any, style_id: Any, dimensions: Any) -> None:
        self.write, self.cells, self.style_id, self.dimensions = write, cells, style_id, dimensions
        self.styles: list[str] = []  # by column index (0-based)
        self.letters: list[str] = []

    def __call__(self, xf: Any, values: Sequence[Any], row_idx: int) -> None:
        if not _simple(values) or row_idx in self.dimensions:
            self.write(xf, list(self.cells(values, row_idx)), row_idx)
            return
        while len(self.styles) < len(values):
            col = len(self.styles) + 1
            self.styles.append(self.style_id(col))
            self.letters.append(get_column_letter(col))
        r = str(row_idx)
        row = _Element("row", r=r)
        for letter, sid, v in zip(self.letters, self.styles, values):
            kind = type(v)
            if kind is str:
                c = _SubElement(row, "c", r=letter + r, s=sid, t="inlineStr")
                if v:
                    text = _SubElement(_SubElement(c, "is"), "t")
                    if v != v.strip():
                        text.set(_XML_SPACE, "preserve")
                    text.text = v
                else:
                    c.text = ""  # <c …></c>, as openpyxl's stream closes it
            elif v is None:
                _SubElement(row, "c", r=letter + r, s=sid, t="n").text = ""
            else:
                c = _SubElement(row, "c", r=letter + r, s=sid, t="n")
                _SubElement(c, "v").text = _safe_string(v)  # finite: never empty
        xf.write(row)


def _simple(values: Sequence[Any]) -> bool:
    """Each value is one :class:`_RowWriter` writes as openpyxl would: a number, nothing, or a text
    openpyxl keeps as a text (no formula, no error code, no character it refuses, not too long)."""
    for v in values:
        kind = type(v)
        if kind is str:
            if (len(v) > 1 and v[0] == "=") or v in _ERROR_CODES or len(v) > 32767 or _ILLEGAL.search(v):
                return False
        elif kind is float:
            if not math.isfinite(v):  # openpyxl writes an empty <v/> for it
                return False
        elif kind is not int and v is not None:
            return False
    return True


def _streamed_table(ws: Any, *, title: str, note: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]],
                    landscape: bool, footer_note: str | None, span: int | None = None) -> int:
    """:func:`table_sheet` on a write-only sheet: the same cells, styles, merges and set-up, each row
    streamed as it is made (widths and heights set before the rows they belong to)."""
    from openpyxl.cell import WriteOnlyCell

    n = len(columns)
    last_col = get_column_letter(span or n)
    set_widths(ws, [c.width or _fit([c.header, *(r[i] for r in rows)]) for i, c in enumerate(columns)])
    # the sheet's properties and view (fit to width, frozen header) go out with the first row: set them first
    ws.freeze_panes = "A4"
    page_setup(ws, landscape=landscape, title_rows="1:3")
    # and its format: the body rows' 20 pt as the sheet's default row height (one attribute), not
    # a row dimension object per row — most of the per-row cost of a 20,000-row sheet
    ws.sheet_format.defaultRowHeight = 20
    ws.sheet_format.customHeight = True
    styles: dict[Any, Any] = {}

    def cell(value: Any, key: Any, font: Font, align: Alignment, border: bool) -> Any:
        c = WriteOnlyCell(ws, value=value)
        key = (key, c._style.numFmtId if c._style is not None else 0)  # a date value sets its number format
        style = styles.get(key)
        if style is None:
            c.font, c.alignment = font, align
            if border:
                c.border = BORDER
            styles[key] = c._style
        else:
            c._style = style  # shared, not copied: a streamed cell is written and dropped, never restyled
        return c

    def line(row: int, text: str, key: str, font: Font, align: Alignment, height: float) -> None:
        ws.row_dimensions[row].height = height
        ws.append([cell(text, key, font, align, False)])
        if (span or n) > 1:
            ws.merged_cells.add(f"A{row}:{last_col}{row}")

    line(1, title, "title", Font(name=HEI, size=18), CENTER, 36)
    line(2, note, "note", Font(name=FANGSONG, size=11), Alignment(horizontal="left", vertical="center"), 20)
    ws.row_dimensions[3].height = 30
    ws.append([cell(c.header, "header", Font(name=SONG, size=11, bold=True), CENTER, True) for c in columns])
    left = [c.left for c in columns]
    body = Font(name=SONG, size=10)
    # the body: one styled cell per column, its value set row after row (openpyxl writes each appended
    # cell before it takes the next), instead of a new cell, a copied style and a failed re-bind of the
    # cell as a value per cell — the per-cell work of a bare writer's plain values plus the style's id
    kinds = [("left", LEFT) if i < n and left[i] else ("centre", CENTER) for i in range(max(n, 1))]
    reused: dict[int, Any] = {}
    plain = (str, int, float, type(None))

    def fixed(col: int) -> Any:
        """Column ``col``'s body cell, its style fixed: made once, its value set row after row."""
        c = reused.get(col)
        if c is None:
            key, align = kinds[col - 1] if col <= n else ("centre", CENTER)
            c = reused[col] = _FixedStyleCell(ws, cell(None, key, body, align, True)._style)
        return c

    def body_cells(values: Sequence[Any], row_idx: int) -> Iterator[Any]:
        for col, v in enumerate(values, start=1):
            if type(v) in plain:
                c = fixed(col)
                if c._value is not v:  # not the value the row above had there (a village, an empty column …)
                    c.value = v
            else:  # a date sets its own number format: a cell of its own, as the header's are
                key, align = kinds[col - 1] if col <= n else ("centre", CENTER)
                c = cell(v, key, body, align, True)
            c.column, c.row = col, row_idx
            yield c

    last = 3
    writer = ws._writer
    if FAST_ROWS and _LXML:  # openpyxl writes through lxml: the body's rows are made as lxml elements
        ws._values_to_row = _as_they_are  # the values reach write_row as they were appended: it makes the cells
        writer.write_row = _RowWriter(writer.write_row, body_cells, lambda col: str(fixed(col)._sid),
                                      ws.row_dimensions)
    else:
        ws._values_to_row = body_cells  # openpyxl's own turns each appended value into a cell: ours does
    try:
        for last, values in enumerate(rows, start=4):
            ws.append(values if isinstance(values, (list, tuple)) else list(values))
    finally:
        del ws._values_to_row  # back to the class's, for the footer's line
        writer.__dict__.pop("write_row", None)
    if footer_note:
        last += 1
        line(last, footer_note, "footer", Font(name=FANGSONG, size=11),
             Alignment(horizontal="right", vertical="center"), 20)
    print_area(ws, last, n)
    return last


@dataclass(frozen=True)
class Chart:
    """A native Excel chart of some columns of :func:`add_chart_sheet`'s table.

    ``columns`` are 0-based indexes into the table's value columns (the labels are column A);
    ``kind`` ``"bar"`` draws horizontal bars (towns, villages down the side), ``"col"`` vertical ones;
    ``grouping`` ``"clustered"``, ``"stacked"`` or ``"percentStacked"``.
    """

    title: str
    columns: Sequence[int]
    kind: str = "bar"
    grouping: str = "clustered"
    axis_title: str = ""
    maximum: float | None = None  # of the value axis (100 for percentages)


CHART_ROWS = 18  # rows of the sheet one chart covers (7.5 cm at the default row height)


def add_chart_sheet(wb: Workbook, *, sheet_title: str, title: str, headers: Sequence[str],
                    rows: Sequence[Sequence[Any]], charts: Sequence[Chart], note: str = "") -> Worksheet:
    """A second sheet for a report: its figures as a small table and native Excel charts of them below,
    so the printed report shows the picture (openpyxl's chart module; Excel and WPS draw them).

    ``headers`` name the label column and the value columns; each row is a label then its values.
    The sheet is set up for A4 landscape like every report sheet.
    """
    from openpyxl.chart import BarChart, Reference

    ws = wb.create_sheet(sheet_title)
    n = len(headers)
    wide = max(n, 10)  # the charts below are as wide as ten columns
    # the figures as a printed table, the same on a streamed (write-only) workbook as on a normal one
    columns = [Column(headers[0], _fit([headers[0], *(r[0] for r in rows)], 8, 20), left=True),
               *(Column(h, 10) for h in headers[1:])]
    last = table_sheet(ws, title=title, note=note, columns=columns, rows=rows, landscape=True, span=wide)
    top = last + 2
    for spec in charts:
        chart = BarChart()
        chart.type = spec.kind
        chart.grouping = spec.grouping
        if spec.grouping != "clustered":
            chart.overlap = 100
        chart.title = spec.title
        chart.style = 10
        chart.width, chart.height = 24.0, 7.5
        chart.y_axis.title = spec.axis_title or None
        chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 leaves the axes' state unsaid
        if spec.maximum is not None:
            chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, spec.maximum
        if spec.kind == "bar":
            chart.x_axis.scaling.orientation = "maxMin"  # the first row on top, as in the table
        for column in spec.columns:
            col = column + 2  # column A holds the labels
            chart.add_data(Reference(ws, min_col=col, min_row=3, max_row=max(last, 4)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=max(last, 4)))
        ws.add_chart(chart, f"A{top}")
        top += CHART_ROWS
    ws.page_setup.fitToHeight = 1  # the table and its charts on one page
    print_area(ws, top, wide)
    return ws


def save_xlsx(wb: Workbook, path: Path, *, key: str | None = None) -> Path:
    """Write ``wb`` to ``path`` atomically; ``key`` names the record it is of (see :func:`named_path`)."""
    if key is not None:
        wb.properties.identifier = key
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


# --------------------------------------------------------------------------- docx

def _east_asian(font_owner: Any, name: str) -> None:
    """Word needs the East Asian font set separately or it falls back to a Latin font."""
    from docx.oxml.ns import qn

    rpr = font_owner.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _linear_body() -> None:
    """Make adding a paragraph or table to a document's body O(1), once per process.

    python-docx inserts each before the body's ``w:sectPr`` by searching the body's children
    from the first (``insert_element_before``): adding n blocks is quadratic — 4,000 / 16,000 /
    32,000 paragraphs took 0.3 / 6.7 / 19.8 s. The ``w:sectPr`` of a body is its last child,
    so the new block goes just before it; anything else keeps python-docx's own insert.
    """
    from docx.oxml.document import CT_Body
    from docx.oxml.ns import qn

    if getattr(CT_Body, "_xinyi_linear", False):
        return
    sect = qn("w:sectPr")

    def wrap(original: Any) -> Any:
        def insert(self: Any, elm: Any) -> Any:
            last = self[-1] if self.find("*") is not None else None
            if last is not None and last.tag == sect:
                last.addprevious(elm)
                return elm
            return original(self, elm)
        return insert

    CT_Body._insert_p = wrap(CT_Body._insert_p)
    CT_Body._insert_tbl = wrap(CT_Body._insert_tbl)
    CT_Body._xinyi_linear = True


_BLANK_DOCUMENTS: dict[tuple[bool, str, float], Any] = {}


def document(*, landscape: bool = False, font: str = FANGSONG, size: float = 12) -> Any:
    """A new A4 Word document with Chinese default font and a page-number footer.

    Made once per process and shape, then copied: opening python-docx's template (a zip of XML
    parts, parsed) and setting it up costs several times the copy, and a city-wide run writes a
    document per town.
    """
    from copy import deepcopy

    key = (landscape, font, size)
    blank = _BLANK_DOCUMENTS.get(key)
    if blank is None:
        blank = _BLANK_DOCUMENTS[key] = _new_document(landscape=landscape, font=font, size=size)
    return deepcopy(blank)


def _new_document(*, landscape: bool, font: str, size: float) -> Any:
    import docx

    _linear_body()
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(size)
    _east_asian(normal.element, font)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(20)
    _page_footer(section)
    return doc


def _page_footer(section: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, _, after = t("export.docx_footer", page="{page}").partition("{page}")
    para.add_run(before)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    para._p.append(field)
    para.add_run(after)


def _copied_paragraph(doc: Any, key: tuple, text: str) -> bool:
    """Add a copy of the paragraph first written for ``key`` in ``doc``, its one run's text set
    (a stub book writes thousands of the same title and note: python-docx's run formatting is xpath
    work each time). False when there is none yet."""
    made = doc.__dict__.setdefault("_xinyi_paras", {})
    template = made.get(key)
    if template is None:
        return False
    from copy import deepcopy

    p = deepcopy(template)
    doc.element.body._insert_p(p)  # where add_paragraph puts it (before the section properties)
    _set_run_text(next(p.iter(_W_R)), text)
    return True


def _keep_paragraph(doc: Any, key: tuple, para: Any) -> None:
    from copy import deepcopy

    runs = list(para._p.iter(_W_R))
    if len(runs) == 1:  # else (no text, say): not copied
        doc.__dict__.setdefault("_xinyi_paras", {})[key] = deepcopy(para._p)


def docx_title(doc: Any, text: str, *, size: float = 18, font: str = HEI) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    key = ("title", size, font)
    if text and _copied_paragraph(doc, key, text):
        return
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(text)
    run.font.size = Pt(size)
    run.font.name = font
    _east_asian(run._element, font)
    if text:
        _keep_paragraph(doc, key, para)


def docx_note(doc: Any, text: str, *, right: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    key = ("note", right)
    if text and _copied_paragraph(doc, key, text):
        return
    para = doc.add_paragraph(text)
    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
    if text:
        _keep_paragraph(doc, key, para)


def _cell_text(cell: Any, text: Any, *, bold: bool = False, size: float = 10.5, font: str = SONG,
               center: bool = True) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    cell.text = ""
    para = cell.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    run = para.add_run("" if text is None else str(text))
    run.bold = bold
    run.font.size = Pt(size)
    run.font.name = font
    _east_asian(run._element, font)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _row_texts(cells: Sequence[Any], texts: Sequence[Any], **style: Any) -> None:
    """:func:`_cell_text` on each of a row's cells: the first through the API, the others given a
    copy of its paragraph and vertical alignment with their own text (the same XML; python-docx's
    run and font setters search each element's children on every call)."""
    from copy import deepcopy

    from docx.oxml.ns import qn

    if not cells:
        return
    _cell_text(cells[0], texts[0], **style)
    first = cells[0]._tc
    para = first.find(qn("w:p"))
    valign = first.tcPr.find(qn("w:vAlign"))
    text_tag = qn("w:t")
    for cell, text in zip(cells[1:], texts[1:]):
        tc = cell._tc
        for old in tc.findall(qn("w:p")):
            tc.remove(old)
        p = deepcopy(para)
        value = "" if text is None else str(text)
        node = next(p.iter(text_tag), None)
        if node is None:
            _cell_text(cell, text, **style)
            continue
        node.text = value
        if value != value.strip():
            node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        tc.append(p)
        tc_pr = tc.get_or_add_tcPr()
        if valign is not None and tc_pr.find(qn("w:vAlign")) is None:
            tc_pr.append(deepcopy(valign))


def _table_grid(doc: Any) -> Any:
    """The document's "Table Grid" style, looked up once per styles part (python-docx searches
    every style by name, and the default style with it, on each ``table.style = "Table Grid"``)."""
    part = doc.part._styles_part
    style = getattr(part, "_xinyi_table_grid", None)
    if style is None:
        style = part._xinyi_table_grid = doc.styles["Table Grid"]
    return style


def docx_table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]], *,
               widths_cm: Sequence[float] | None = None, size: float = 10.5) -> Any:
    """A bordered table with a bold header row repeated on every page.

    One body row is formatted through the API as the template; the body is that row's XML once per
    row with the row's texts in it, kept as text and put in the document when it is saved
    (:func:`_body_as_text`): the XML a copy of the template per row would give, without an element
    per cell made, serialized and freed — ~370,000 of them in a 1,250-person town's roster, most of
    its time. The returned table holds the header row; the body is in the saved file.
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table = doc.add_table(rows=2 if rows else 1, cols=len(headers))
    table.style = _table_grid(doc)
    if widths_cm:
        for col, width in enumerate(widths_cm):
            for cell in table.columns[col].cells:
                cell.width = Cm(width)
    # each row's cells read once (table.cell(r, c) walks the whole table on every call)
    table_rows = table.rows
    _row_texts(table_rows[0].cells, headers, bold=True, size=size)
    header_pr = table_rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_pr.append(repeat)
    if rows:
        _row_texts(table_rows[1].cells, [_FILL] * len(headers), size=size)  # a text node in each cell, to fill in
        _body_as_text(doc, table_rows[1]._tr, rows)
    return table


_FILL = "·"  # the template row's text in each cell, where a row's texts go
_BODY = re.compile(rb"<!--xinyi-body (\d+)-->")  # the place of a table's body in a serialized document
# what lxml refuses in a text (control characters, surrogates, U+FFFE and U+FFFF), and what it escapes
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _body_as_text(doc: Any, template: Any, rows: Sequence[Sequence[Any]]) -> None:
    """Replace ``template``, a table's formatted body row with :data:`_FILL` in each cell, by a
    placeholder for ``rows``, written now as text: each row the template's XML as lxml serializes
    it, with the row's texts in its cells — escaped as lxml escapes a text, refused where lxml
    refuses one, ``xml:space="preserve"`` on a text with blanks at an end, a missing value left as
    the template's. The text is kept with the document's part; its serialization puts it in the
    placeholder's place (:func:`_bodies_at_save`)."""
    from lxml import etree

    _bodies_at_save()
    tbl = template.getparent()
    start, end = etree.Comment("xinyi-template"), etree.Comment("/xinyi-template")
    template.addprevious(start)
    template.addnext(end)
    xml = etree.tostring(tbl, encoding="UTF-8", with_tail=False).decode("utf-8")  # as in the document
    pieces = xml.partition("<!--xinyi-template-->")[2].partition("<!--/xinyi-template-->")[0].split(_FILL)
    cells = len(pieces) - 1
    if cells < 1 or any(not p.endswith(">") for p in pieces[:-1]):  # each ends with a text node's start tag
        raise AssertionError(f"a table row template this does not expect: {pieces!r}")
    padded = [p[:-1] + ' xml:space="preserve">' for p in pieces[:-1]]
    bodies = doc.part.__dict__.setdefault("_xinyi_bodies", [])
    tbl.remove(start)
    tbl.remove(end)
    tbl.replace(template, etree.Comment(f"xinyi-body {len(bodies)}"))
    out: list[str] = []
    for values in rows:
        texts = ["" if v is None else str(v) for v in values[:cells]]
        texts += [_FILL] * (cells - len(texts))  # as a copy of the template keeps them
        for k, text in enumerate(texts):
            if _NOT_XML.search(text):
                raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or "
                                 "control characters")
            out.append(padded[k] if text != text.strip() else pieces[k])
            out.append(text.translate(_ESCAPES))
        out.append(pieces[-1])
    bodies.append("".join(out).encode("utf-8"))


def _bodies_at_save() -> None:
    """Make a Word document's part serialize with the table bodies :func:`_body_as_text` kept in
    place of their placeholders, once per process (python-docx's ``XmlPart.blob``, which ``save``
    writes, wrapped)."""
    from docx.parts.document import DocumentPart

    if getattr(DocumentPart, "_xinyi_bodies_at_save", False):
        return
    serialized = DocumentPart.blob

    def blob(self: Any) -> bytes:
        xml = serialized.fget(self)
        bodies = self.__dict__.get("_xinyi_bodies")
        return _BODY.sub(lambda m: bodies[int(m[1])], xml) if bodies else xml

    DocumentPart.blob = property(blob)
    DocumentPart._xinyi_bodies_at_save = True


@dataclass(frozen=True)
class FormCell:
    """One cell of a form grid: text spanning ``span`` columns (and ``rows`` rows)."""

    text: Any = ""
    span: int = 1
    rows: int = 1
    bold: bool = False
    left: bool = False


# a form's XML by shape, for every document of the process: the same python-docx calls on a new
# document from the same template write the same XML (a year's stub books are 16 documents)
_FORMS: dict[tuple, tuple[Any, list[int], list[str]]] = {}


def _block_key(doc: Any) -> tuple:
    """What the text block's width depends on: the page size and margins of the body's section (its
    last child; ``doc.sections[-1]`` finds it by xpath, a stub book's every form)."""
    from docx.oxml.ns import qn

    sect = doc.element.body[-1]
    if sect.tag != qn("w:sectPr"):
        section = doc.sections[-1]
        return (section.page_width, section.left_margin, section.right_margin)
    size, margins = sect.find(qn("w:pgSz")), sect.find(qn("w:pgMar"))
    return tuple(tuple(sorted(e.attrib.items())) if e is not None else () for e in (size, margins))


def docx_form(doc: Any, layout: Sequence[Sequence[FormCell]], *, ncols: int,
              heights_cm: dict[int, float] | None = None, size: float = 11) -> Any:
    """A form laid out as a grid (leave slip, departure form): label and value cells
    with column and row spans, every row summing to ``ncols`` columns.

    Cells covered by a row span above are skipped in later rows' layouts.

    Linear in the number of forms: python-docx finds a cell by walking the whole table
    (``table.cell`` and ``merge`` are scans), ~40 ms a form. The first form of a shape
    (spans, bold, alignment, heights, size, text width) in a process is built through the API; every
    later one of the same shape is a copy of its XML with the texts set.
    """
    from copy import deepcopy

    from docx.shared import Cm
    from docx.table import Table

    shape = (ncols, size, tuple(sorted((heights_cm or {}).items())),
             tuple(tuple((c.span, c.rows, c.bold, c.left) for c in row) for row in layout))
    texts = ["" if c.text is None else str(c.text) for row in layout for c in row]
    shape += _block_key(doc)  # the grid's column widths come from the text block's width
    made = _FORMS
    if shape in made:
        template, picks, first = made[shape]
        tbl = deepcopy(template)
        doc.element.body._insert_tbl(tbl)  # where add_table puts it (before the section properties)
        runs = list(tbl.iter(_W_R))
        # the runs _cell_text wrote, one per layout cell, in document order; a text the template has
        # already (a label: 姓名, 请假类别 …) is left as copied
        for k, text, had in zip(picks, texts, first):
            if text != had:
                _set_run_text(runs[k], text)
        return Table(tbl, doc._body)
    table = doc.add_table(rows=len(layout), cols=ncols)
    table.style = "Table Grid"
    covered: set[tuple[int, int]] = set()
    for r, cells in enumerate(layout):
        c = 0
        for cell in cells:
            while (r, c) in covered:
                c += 1
            target = table.cell(r, c)
            if cell.span > 1 or cell.rows > 1:
                target = target.merge(table.cell(r + cell.rows - 1, c + cell.span - 1))
            for dr in range(cell.rows):
                for dc in range(cell.span):
                    covered.add((r + dr, c + dc))
            _cell_text(target, cell.text, bold=cell.bold, size=size, center=not cell.left)
            c += cell.span
    for r, height in (heights_cm or {}).items():
        table.rows[r].height = Cm(height)
    if len(_text_runs(table._tbl)) == len(texts):  # else not copied: a layout this doesn't expect
        template = deepcopy(table._tbl)
        made[shape] = (template, [k for k, r in enumerate(template.iter(_W_R)) if r.find(_W_RPR) is not None],
                       texts)
    return table


_SPLIT = re.compile(r"([\t\r\n])")


def _set_run_text(run: Any, text: str) -> None:
    """``run.text = text`` written directly: the run's content (all but its ``w:rPr``) replaced by a
    ``w:t`` for each stretch of text, a ``w:tab`` for a tab and a ``w:br`` for each line break — the
    XML python-docx's setter writes, without its per-character state machine and xpath (most of a
    stub book's time)."""
    from docx.oxml.ns import qn

    rpr = qn("w:rPr")
    content = [child for child in run if child.tag != rpr]
    if len(content) == 1 and content[0].tag == _W_T and text and "\n" not in text and "\t" not in text \
            and "\r" not in text:
        node = content[0]  # the common case: the one text node, its text replaced
        node.text = text
        if text != text.strip():
            node.set(_XML_SPACE, "preserve")
        elif _XML_SPACE in node.attrib:
            del node.attrib[_XML_SPACE]
        return
    for child in content:
        run.remove(child)
    for part in _SPLIT.split(text):
        if not part:
            continue
        if part == "\t":
            run.append(run.makeelement(qn("w:tab"), {}))
        elif part in ("\r", "\n"):
            run.append(run.makeelement(qn("w:br"), {}))
        else:
            node = run.makeelement(_W_T, {})
            node.text = part
            if part != part.strip():
                node.set(_XML_SPACE, "preserve")
            run.append(node)


_W_RPR = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}rPr"
_W_R = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}r"
_W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _text_runs(tbl: Any) -> list[Any]:
    """The runs :func:`_cell_text` wrote (formatted: they have run properties), in document order;
    ``cell.text = ""`` leaves a bare empty run before each."""
    from docx.oxml.ns import qn

    rpr = qn("w:rPr")
    return [r for r in tbl.iter(qn("w:r")) if r.find(rpr) is not None]


def opinion_cells(label: str, ncols: int, *, label_span: int = 1, seal: bool = False) -> list[FormCell]:
    """A form row for "XX 意见": label, then room to write and signature + date."""
    sign = t("export.seal_date") if seal else t("export.sign_date")
    return [FormCell(label, span=label_span, bold=True),
            FormCell(f"\n\n{sign}", span=ncols - label_span, left=False)]


def save_docx(doc: Any, path: Path, *, key: str | None = None) -> Path:
    """Write ``doc`` to ``path`` atomically; ``key`` names the record it is of (see :func:`named_path`)."""
    if key is not None:
        doc.core_properties.identifier = key
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return Path(path)
