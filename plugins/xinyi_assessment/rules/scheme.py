"""The scoring scheme (附件1) as data: loaded from a TOML file and validated on load — ASM-4, ASM-5.

Nothing in the code names an item: a town that adopts a newer sheet points the
``scheme`` (or ``town_schemes``) setting at another file. Structural faults
(points not summing to the total, a deduction that could push an item below 0,
duplicate numbers …) refuse the file with a Chinese message. A section whose
stated total disagrees with its items (the official sheet's "基础工作（28分）"
over items worth 39) is a *finding*: the items are authoritative (ASM-5), the
file loads, and the finding is shown wherever the scheme is (CLI, screens).

Part of the rules: no database, no UI. Which file a town uses is read from the
configuration handed in (:func:`path_for`); the service asks it for the
running configuration (``service.scheme_for``).
"""
from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xinyi_core import XinyiError, t

FILE_NAME = "assessment_scheme.toml"
# the regulation's own sheet (附件1), shipped in the package: found wherever xinyi is installed
DEFAULT = Path(__file__).resolve().parent.parent / FILE_NAME


class SchemeError(XinyiError):
    key = "assessment.scheme.invalid"


@dataclass(frozen=True)
class Deduction:
    """One deduction rule of an item: ``per_unit`` points per occurrence, or the ``whole`` item."""

    key: str
    label: str
    per_unit: float = 0.0
    whole: bool = False
    unit: str = ""
    max_units: int | None = None


@dataclass(frozen=True)
class Item:
    no: int
    name: str
    points: float
    section: str
    content: str = ""
    standard: str = ""
    deductions: tuple[Deduction, ...] = ()
    facts: dict[str, str] = field(default_factory=dict)  # fact rule ID → deduction key

    def deduction(self, key: str) -> Deduction:
        for d in self.deductions:
            if d.key == key:
                return d
        raise SchemeError("assessment.scheme.no_deduction", item=self.no, key=key)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    stated_total: float
    items: tuple[Item, ...]

    @property
    def items_total(self) -> float:
        return round(sum(i.points for i in self.items), 2)


@dataclass(frozen=True)
class VetoItem:
    no: int
    content: str
    standard: str


@dataclass(frozen=True)
class Finding:
    """Something about the scheme a reader must know; it does not stop the scheme loading."""

    code: str
    message: str  # Chinese
    short: str = ""  # the same in one screen line


@dataclass(frozen=True)
class Scheme:
    name: str
    version: str
    total: float
    vetoes: tuple[VetoItem, ...]
    sections: tuple[Section, ...]
    findings: tuple[Finding, ...]
    source: str = ""

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for s in self.sections for i in s.items)

    def item(self, no: int) -> Item:
        for i in self.items:
            if i.no == no:
                return i
        raise SchemeError("assessment.scheme.no_item", item=no)

    def veto(self, no: int) -> VetoItem:
        for v in self.vetoes:
            if v.no == no:
                return v
        raise SchemeError("assessment.scheme.no_item", item=no)


def _fail(where: str, problem: str, /, **params: Any) -> SchemeError:
    return SchemeError("assessment.scheme.invalid", where=where, problem=t(problem, **params))


def _at(place: str, **params: Any) -> str:
    """Where in the file, in Chinese ("第4项扣分规则“thin”")."""
    return t(f"assessment.scheme.where.{place}", **params)


def _num(value: Any, where: str) -> float:
    # finite: TOML allows nan and inf, which would pass every comparison below
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(where, "assessment.scheme.expect_number")
    return float(value)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _tables(value: Any, where: str) -> list[dict[str, Any]]:
    """An array of tables (``[[sections]]``, ``deductions = [{…}]``); anything else is refused."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _fail(where, "assessment.scheme.expect_tables")
    return value


def _deduction(raw: dict[str, Any], item_no: int, points: float) -> Deduction:
    where = _at("deduction", no=item_no, key=raw.get("key", "?"))
    whole = bool(raw.get("whole", False))
    per_unit = _num(raw.get("per_unit", 0), where)
    if not all(isinstance(raw.get(k), str) and raw[k].strip() for k in ("key", "label")):
        raise _fail(where, "assessment.scheme.expect_key_label")
    if whole == (per_unit > 0):  # exactly one of the two kinds
        raise _fail(where, "assessment.scheme.expect_one_kind")
    if per_unit < 0 or per_unit > points:  # one occurrence may not take more than the item
        raise _fail(where, "assessment.scheme.per_unit_range", points=f"{points:g}")
    max_units = raw.get("max_units")
    if max_units is not None and (not _int(max_units) or max_units < 1):
        raise _fail(where, "assessment.scheme.expect_max_units")
    return Deduction(raw["key"], raw["label"], per_unit, whole, str(raw.get("unit", "")), max_units)


def _item(raw: dict[str, Any], section: str) -> Item:
    no = raw.get("no")
    if not _int(no):
        raise _fail(_at("section", key=section), "assessment.scheme.expect_item_no")
    points = _num(raw.get("points"), _at("item", no=no))
    if points <= 0:
        raise _fail(_at("item", no=no), "assessment.scheme.expect_positive")
    deductions = tuple(_deduction(d, no, points) for d in _tables(raw.get("deductions", []), _at("item", no=no)))
    if len({d.key for d in deductions}) != len(deductions):
        raise _fail(_at("item", no=no), "assessment.scheme.duplicate_deduction")
    facts = raw.get("facts", {})
    if not isinstance(facts, dict):
        raise _fail(_at("item", no=no), "assessment.scheme.expect_facts")
    for rule, key in facts.items():
        if not isinstance(key, str) or key not in {d.key for d in deductions}:
            raise _fail(_at("fact", no=no, rule=rule), "assessment.scheme.unknown_deduction", key=key)
    return Item(no, str(raw.get("name", "")), points, section, str(raw.get("content", "")),
                str(raw.get("standard", "")), deductions, dict(facts))


def parse(data: dict[str, Any], source: str = "") -> Scheme:
    """Build and validate a scheme from the parsed TOML (ASM-5); raise :class:`SchemeError` if unusable."""
    total = _num(data.get("total", 100), _at("total"))
    vetoes = []
    for v in _tables(data.get("veto", []), _at("vetoes")):
        if not _int(v.get("no")):
            raise _fail(_at("vetoes"), "assessment.scheme.expect_item_no")
        vetoes.append(VetoItem(v["no"], str(v.get("content", "")), str(v.get("standard", ""))))
    sections = []
    for n, raw in enumerate(_tables(data.get("sections", []), _at("sections")), start=1):
        key = str(raw.get("key", ""))
        items = tuple(_item(i, key) for i in _tables(raw.get("items", []), _at("section", key=key)))
        title = raw.get("title")  # without one, a Chinese name, never the section's code
        title = title if isinstance(title, str) and title.strip() else t("assessment.scheme.untitled", n=n)
        sections.append(Section(key, title,
                                _num(raw.get("stated_total"), _at("section", key=key)), items))
    numbers = [v.no for v in vetoes] + [i.no for s in sections for i in s.items]
    if len(set(numbers)) != len(numbers):
        raise _fail(_at("numbers"), "assessment.scheme.duplicate_no")
    if not sections or not any(s.items for s in sections):
        raise _fail(_at("sections"), "assessment.scheme.no_items")
    points = round(sum(s.items_total for s in sections), 2)
    if points != total:  # ASM-5: the items must sum to 100
        raise _fail(_at("total"), "assessment.scheme.points_sum", points=f"{points:g}", total=f"{total:g}")
    return Scheme(str(data.get("name", "")), str(data.get("version", "")), total, tuple(vetoes), tuple(sections),
                  tuple(section_findings(sections)), source)


def section_findings(sections: list[Section] | tuple[Section, ...]) -> list[Finding]:
    """ASM-5: a section whose heading disagrees with its items is reported (the items win)."""
    out = []
    for s in sections:
        if s.stated_total != s.items_total:
            params = dict(section=s.title, stated=f"{s.stated_total:g}", items=f"{s.items_total:g}")
            out.append(Finding("section_total", t("assessment.scheme.section_mismatch", **params),
                               t("assessment.scheme.section_mismatch_short", **params)))
    return out


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, mtime: float) -> Scheme:
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, "assessment.scheme.bad_toml", error=str(exc)) from None
    except UnicodeDecodeError:  # saved as GBK by Notepad
        raise _fail(path, "assessment.scheme.bad_encoding") from None
    return parse(data, path)


def load(path: str | Path) -> Scheme:
    """Load a scheme file (cached until the file changes)."""
    p = Path(path)
    if not p.is_file():
        raise SchemeError("assessment.scheme.missing", path=str(p))
    return _load_cached(str(p.resolve()), p.stat().st_mtime)


def path_for(town_code: str | None, cfg: Any) -> Path:
    """The scheme file a town uses under the configuration ``cfg``: ``town_schemes[town]``,
    else ``scheme``, else the default.

    Relative paths are relative to the configuration file's folder; the default is
    ``assessment_scheme.toml`` beside ``xinyi.toml``, else the regulation's own, shipped in this package.
    """
    base = cfg.path.parent if cfg.path else Path.cwd()
    chosen = (cfg.setting("assessment", "town_schemes") or {}).get(town_code or "") or \
        cfg.setting("assessment", "scheme") or ""
    if chosen:
        return (base / chosen) if not Path(chosen).is_absolute() else Path(chosen)
    beside = base / FILE_NAME
    return beside if beside.is_file() else DEFAULT
