"""The departure plugin's printed document: the departure form (附件5, 协理员离职呈报单), one A4
page, via ``xinyi_core.export``.

The grid follows the original: personal details, planned date and the five
categories (the chosen one ticked), reason, personal requests, then the
opinions of the village, the town centre and the employment office with the
signer and date taken from the approval chain. Two rows the original only
mentions in its notes — the handover and the stop of wages and social
insurance — are filled in from the record.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Sequence

from xinyi_core import Operator, Post, approvals, date_zh, export, runtime, t
from xinyi_core.export import FormCell

from . import rules, service
from .models import Departure

NCOLS = 8
CHAIN_ROWS = (("village_head", "village"), ("town_head", "town"), ("city_office", "city"))  # role, label


def _date(d: dt.date | dt.datetime | None) -> str:
    return date_zh(d, pad=True)


def category_boxes(chosen: str) -> str:
    """``■解除合同  □终止合同  □辞职  □辞退  □其他``: every option printed, the chosen one marked."""
    return "  ".join(("■" if c == chosen else "□") + rules.category_label(c) for c in rules.CATEGORIES)


def _opinions(dep: Departure) -> dict[str, str]:
    """Role → the text of its opinion box: decision, opinion, signer and date (blank if undecided)."""
    chain = service.chain_of(dep)
    out = {role: t("departure.form.signer_blank") for role, _ in CHAIN_ROWS}
    if chain is None:
        return out
    for step in approvals.steps(chain):
        if step.decision is None:
            continue
        verdict = t(f"departure.form.decision_{step.decision}")
        sign = t("departure.form.signer", name=step.decided_by.display_name, date=_date(step.decided_at))
        out[step.role] = "\n".join(x for x in (verdict + step.opinion, sign) if x)
    return out


def _handover_text(dep: Departure) -> str:
    lines = []
    for item in service.handover_items(dep):
        state = (t("departure.form.handover_done", name=item.received_by, date=_date(item.confirmed_at))
                 if item.confirmed_at else t("departure.form.handover_open"))
        lines.append(t("departure.form.handover_item", label=item.label, state=state))
    return "；".join(lines)


def layout(dep: Departure) -> list[list[FormCell]]:
    """The form as rows of cells, each row spanning ``NCOLS`` columns."""
    p = dep.person
    post = Post.get_or_none(Post.id == dep.post_id) if dep.post_id else None
    unit = f"{p.town.name if p.town_id else ''}{p.village.name if p.village_id else ''}"
    opinions = _opinions(dep)
    stop = (t("departure.form.stop_value", date=_date(dep.wages_stopped_on)) if dep.wages_stopped_on
            else t("departure.form.stop_pending"))
    L = lambda key, **kw: FormCell(t(f"departure.form.{key}"), bold=True, **kw)  # noqa: E731
    rest = NCOLS - 1
    rows = [
        [L("name"), FormCell(p.name), L("sex"), FormCell(t(f"person.sex.{p.sex}")), L("birth"),
         FormCell(f"{p.birth_date:%Y.%m}"), L("political"), FormCell(t(f"person.political_status.{p.political_status}"))],
        [L("joined"), FormCell(_date(p.joined_on)), L("unit"), FormCell(unit, span=3), L("post"),
         FormCell(post.title if post else "")],
        [L("planned"), FormCell(_date(dep.planned_on)), L("category"), FormCell(category_boxes(dep.category), span=5)],
        [L("reason"), FormCell(f"{dep.reason}\n\n{t('departure.form.self_sign')}", span=rest, left=True)],
        [L("requests"), FormCell(dep.requests, span=rest, left=True)],
    ]
    rows += [[L(label), FormCell(opinions[role], span=rest, left=True)] for role, label in CHAIN_ROWS]
    rows += [[L("handover"), FormCell(_handover_text(dep), span=rest, left=True)],
             [L("stop"), FormCell(stop, span=rest, left=True)]]
    return rows


HEIGHTS_CM = {0: 1.1, 1: 1.1, 2: 1.1, 3: 3.2, 4: 2.2, 5: 2.6, 6: 2.6, 7: 2.6, 8: 1.8, 9: 1.1}
# The eight columns across the 17 cm between the margins: each label column holds four or five
# characters a line; the second holds a date (``2026年10月27日``) on one line, the last 中共预备党员
# on two. Equal columns (2.1 cm) broke the dates over three lines.
WIDTHS_CM = (2.1, 3.6, 2.0, 1.0, 2.0, 1.8, 2.0, 2.5)


def set_widths(table: Any, widths_cm: Sequence[float]) -> None:
    """Fix the grid's column widths (Word and LibreOffice otherwise share the width out evenly)."""
    from docx.shared import Cm

    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths_cm):
        col.w = Cm(width)
    for row in table.rows:
        first = 0
        for tc in row._tr.tc_lst:  # a merged cell is one <w:tc> spanning several grid columns
            tc.width = Cm(sum(widths_cm[first:first + tc.grid_span]))
            first += tc.grid_span


def write(op: Operator, departure_id: int, path: Path) -> Path:
    """Write 附件5 for one departure to ``path`` (.docx), A4 portrait, one page."""
    dep = service.get(op, departure_id)  # scope checked and audited
    doc = export.document(size=11)
    export.docx_title(doc, t("departure.form.title"), size=16)
    set_widths(export.docx_form(doc, layout(dep), ncols=NCOLS, heights_cm=HEIGHTS_CM, size=10.5), WIDTHS_CM)
    export.docx_note(doc, t("departure.form.note1"))
    export.docx_note(doc, t("departure.form.note2"))
    return export.save_docx(doc, Path(path), key=f"departure:{departure_id}")


def default_path(dep: Departure) -> Path:
    """``<report_dir>/departure/form/离职呈报单_郭伟志_2026-12-31.docx`` (the planned day): re-printing
    replaces the file; another departure's form of that name gets ``_2``."""
    return export.named_path(Path(runtime().config.report_dir) / "departure" / "form", t("departure.form.file"),
                             dep.person.name, dep.planned_on.isoformat() if dep.planned_on else "", suffix="docx",
                             key=f"departure:{dep.id}")


def print_form(op: Operator, departure_id: int) -> Path:
    """Write 附件5 of one departure in ``op``'s scope to :func:`default_path` (re-printing replaces it)."""
    dep = service.get(op, departure_id)  # scope checked and audited
    return write(op, dep.id, default_path(dep))
