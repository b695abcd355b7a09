"""The regulation traced clause by clause (issue 16): docs/regulation.md checked against the code.

docs/regulation.md cuts the regulation into its clauses, one table row each. This test fails when
a rule ID of the domain digest has no row that names where it is enforced and the tests proving
it, when a row names a ``module:attribute`` that does not resolve or a test that does not exist,
when a row cites a README decision that is not in README's decision table, when a quote is not the
original's text or out of the original's order, and when a numbered clause of the regulation, an
item of 附件1 or one of the five forms has no row.

CI runs on a clean clone, so the rule IDs come from ``docs/domain.md`` and the quotes are checked
against ``docs/seed/``: verbatim copies of the shared DOMAIN.md and original text. Where the
shared folder sits beside the checkout (``../shared``), the copies must equal it.
"""
from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRACE = ROOT / "docs" / "regulation.md"
DOMAIN = ROOT / "docs" / "domain.md"
SEED_NAME = "000_6ce55d30542eda79.txt"
ORIGINAL = ROOT / "docs" / "seed" / SEED_NAME
SHARED = ROOT.parent / "shared"

COLUMNS = 5  # § | 条款 | rule | where | tests
KINDS = ("README", "outside")  # the rule column of a row that is not traced to a rule ID
RULE_ID = re.compile(r"[A-Z]{2,5}(?:-\d+)?")
QUOTE = re.compile(r"「([^」]*)」")
TICKED = re.compile(r"`([^`]+)`")
DECISION = re.compile(r"«([^»]+)»")
ELLIPSIS = "…"
FORMS = tuple(f"附件{n}" for n in range(1, 6))
SCORING_ITEMS = tuple(f"附件1.{n}" for n in range(1, 25))  # 附件1 numbers its items 1–24


# --------------------------------------------------------------------------- the checker

@dataclass(frozen=True)
class Row:
    """One clause of docs/regulation.md."""

    line: int
    clause: str  # the § cell: 一.1, 五.3b, 附件1.4 …
    quotes: tuple[str, ...]  # the 「…」 of the 条款 cell
    kind: str  # "rule", "README" or "outside"
    rules: tuple[str, ...]
    where: str
    refs: tuple[str, ...]  # `module:attribute` in the where cell
    decisions: tuple[str, ...]  # «question» of README's decision table
    tests: tuple[str, ...]  # pytest node ids
    malformed: str = ""


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_trace(text: str) -> list[Row]:
    """Every row of every table in ``text`` (header and separator rows skipped)."""
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("|"):
            continue
        cells = _cells(line)
        if cells[0] == "§" or all(set(c) <= set("-: ") for c in cells):
            continue
        if len(cells) != COLUMNS:
            rows.append(Row(n, cells[0], (), "", (), "", (), (), (), f"{len(cells)} cells, not {COLUMNS}"))
            continue
        clause, quote_cell, rule_cell, where, tests_cell = cells
        ticked = TICKED.findall(where)
        bad = [t for t in ticked if ":" not in t or "::" in t or "/" in t]
        bad += [t for t in TICKED.findall(tests_cell) if "::" not in t]
        tokens = [w for w in re.split(r"[\s,，、]+", rule_cell) if w]
        kind = rule_cell if rule_cell in KINDS else "rule"
        if kind == "rule" and (not tokens or not all(RULE_ID.fullmatch(w) for w in tokens)):
            bad.append(f"rule column {rule_cell!r}")
        rows.append(Row(
            n, clause, tuple(QUOTE.findall(quote_cell)), kind, tuple(tokens) if kind == "rule" else (),
            where, tuple(t for t in ticked if t not in bad), tuple(q.strip() for q in DECISION.findall(where)),
            tuple(t for t in TICKED.findall(tests_cell) if t not in bad), "; ".join(f"not understood: {b}" for b in bad)))
    return rows


def domain_rule_ids(text: str) -> list[str]:
    """The rule IDs of DOMAIN.md: the bold ``**ATT-4**`` under each ``### ATT — …`` heading, or
    the area's own name when it has none (DUTY)."""
    ids: list[str] = []
    area, found = None, False
    for line in text.splitlines():
        if line.startswith("#"):
            if area and not found:
                ids.append(area)
            m = re.match(r"### ([A-Z]+) — ", line)
            area, found = (m.group(1) if m else None), False
            continue
        if area:
            new = re.findall(rf"\*\*({area}-\d+)\*\*", line)
            ids += new
            found = found or bool(new)
    if area and not found:
        ids.append(area)
    return ids


def readme_questions(text: str) -> set[str]:
    """The question column of README's table of decisions where the regulation is silent."""
    section = text.split("## Decisions where the regulation is silent", 1)[-1].split("\n## ", 1)[0]
    return {_cells(line)[0] for line in section.splitlines() if line.startswith("|")}


def body_clauses(original: str) -> list[str]:
    """``一.1`` … ``六.4``: every numbered clause of the regulation's six parts (the forms excluded)."""
    out, part = [], None
    for line in original.splitlines():
        s = line.strip()
        if s.startswith("附："):
            break
        if m := re.match(r"([一二三四五六七八九十])、", s):
            part = m.group(1)
        elif (m := re.match(r"(\d+)、", s)) and part:
            out.append(f"{part}.{m.group(1)}")
    return out


def missing_clauses(rows: list[Row], original: str) -> list[str]:
    """Clauses of the original with no row: numbered clauses, 附件1's 24 items, each form."""
    have = {r.clause for r in rows}
    covered = lambda c: any(h == c or re.fullmatch(re.escape(c) + r"[a-z]+", h) for h in have)  # noqa: E731
    out = [c for c in (*body_clauses(original), *SCORING_ITEMS) if not covered(c)]
    return out + [f for f in FORMS if not any(h == f or h.startswith(f + ".") for h in have)]


def resolve(ref: str) -> str | None:
    """None if ``module:attr.attr`` names something that exists, else what is wrong."""
    module_name, _, attrs = ref.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - any failure to import is the row's fault, reported as such
        return f"`{ref}`: module does not import ({exc})"
    for attr in attrs.split("."):
        if not hasattr(obj, attr):
            return f"`{ref}`: no {attr!r}"
        obj = getattr(obj, attr)
    return None


def node_exists(node: str, root: Path) -> str | None:
    """None if the pytest node ``path::[Class::]name[params]`` is defined in its file, else why not.

    The file is parsed, not imported or collected; parametrisation is ignored.
    """
    path, *names = re.sub(r"\[.*\]$", "", node).split("::")
    file = root / path
    if not names or not file.is_file():
        return f"`{node}`: no such file"
    scope: list[ast.stmt] = ast.parse(file.read_text("utf-8")).body
    for i, name in enumerate(names):
        last = i == len(names) - 1
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef) if last else (ast.ClassDef,)
        found = next((s for s in scope if isinstance(s, kinds) and s.name == name), None)
        if found is None:
            return f"`{node}`: no {'test' if last else 'class'} {name!r} in {path}"
        scope = found.body
    return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def problems(rows: list[Row], *, rule_ids: list[str], questions: set[str], original: str,
             root: Path = ROOT) -> list[str]:
    """Everything wrong with the trace, one line each (empty: all good)."""
    out: list[str] = []
    text = _squash(original)
    pos = 0
    seen: set[str] = set()
    for r in rows:
        at = f"line {r.line} ({r.clause})"
        if r.malformed:
            out.append(f"{at}: {r.malformed}")
        if r.clause in seen:
            out.append(f"{at}: § given twice")
        seen.add(r.clause)
        if not r.quotes:
            out.append(f"{at}: no 「quote」 of the original")
        for fragment in (_squash(f) for q in r.quotes for f in q.split(ELLIPSIS)):
            found = text.find(fragment, pos) if fragment else -1
            if found < 0:
                why = ("an empty quote" if not fragment else "not in the original" if fragment not in text
                       else "out of the original's order")
                out.append(f"{at}: 「{fragment}」 {why}")
            else:
                pos = found + len(fragment)
        for rule in r.rules:
            if rule not in rule_ids:
                out.append(f"{at}: {rule} is no rule ID of DOMAIN.md")
        if r.kind == "rule" and not (r.refs and r.tests):
            out.append(f"{at}: a rule row names where it is enforced (`module:function`) and its tests")
        if r.kind == "README" and not r.decisions:
            out.append(f"{at}: a README row quotes the decision's question as «…»")
        if r.kind == "outside" and len(r.where) < 10:
            out.append(f"{at}: an outside row says why")
        out += [f"{at}: {p}" for p in map(resolve, r.refs) if p]
        out += [f"{at}: {p}" for p in (node_exists(n, root) for n in r.tests) if p]
        out += [f"{at}: «{q}» is no question of README's decision table" for q in r.decisions if q not in questions]
    traced = {rule for r in rows if r.kind == "rule" and r.refs and r.tests for rule in r.rules}
    out += [f"{rule} has no row naming where it is enforced and its tests" for rule in rule_ids if rule not in traced]
    return out


# --------------------------------------------------------------------------- the repository's trace

def _read(path: Path) -> str:
    return path.read_text("utf-8")


def test_every_rule_id_is_traced_and_every_name_in_the_trace_exists():
    rows = parse_trace(_read(TRACE))
    found = problems(rows, rule_ids=domain_rule_ids(_read(DOMAIN)),
                     questions=readme_questions(_read(ROOT / "README.md")), original=_read(ORIGINAL))
    assert found == [], "docs/regulation.md:\n" + "\n".join(found)


def test_every_clause_of_the_regulation_and_its_forms_has_a_row():
    original = _read(ORIGINAL)
    assert missing_clauses(parse_trace(_read(TRACE)), original) == []
    # 15 duties, 4 working rules, 3 on training, 3 on people, 6 on attendance, 4 on assessment
    assert len(body_clauses(original)) == 35


def test_the_rule_ids_are_the_digests_whole_list():
    """The parser finds every rule ID (a parser finding none would let every trace pass)."""
    ids = domain_rule_ids(_read(DOMAIN))
    assert ids == ["ORG-1", "ORG-2", "ORG-3", "DUTY", "WORK-1", "WORK-2", "TRN-1", "TRN-2", "TRN-3",
                   *(f"ATT-{n}" for n in range(1, 7)), *(f"ASM-{n}" for n in range(1, 8))]
    assert {"Who approves leave (ATT-4)", "Departure chain (ORG-2)"} <= readme_questions(_read(ROOT / "README.md"))


@pytest.mark.skipif(not (SHARED / "DOMAIN.md").is_file(), reason="no shared folder beside this checkout (CI)")
def test_the_repository_copies_equal_the_shared_domain_and_original():
    assert _read(DOMAIN) == _read(SHARED / "DOMAIN.md"), "docs/domain.md differs from ../shared/DOMAIN.md: copy it"
    assert _read(ORIGINAL) == _read(SHARED / "seed" / SEED_NAME), f"docs/seed/{SEED_NAME} differs from ../shared/seed"


# --------------------------------------------------------------------------- the checker on bad rows

FIXTURE_ORIGINAL = """一、考勤制度
1、请假须由负责人批准，三天以上的须报市就业处批准。
2、旷工的，扣除工资。
附：1、请假审批单
"""
FIXTURE_DOMAIN = """### ATT — attendance
- **ATT-4** approval
- **ATT-5** absenteeism
### DUTY — the duties
none numbered
## Open points
"""
GOOD_ROW = ("| 一.1 | 「请假须由负责人批准…三天以上的须报市就业处批准」 | ATT-4 | `xinyi_leave.rules:approval_roles`, "
            "«Who approves leave (ATT-4)» | `tests/plugins/leave/test_leave_rules.py::"
            "test_att4_two_days_stop_at_the_town_head_three_go_to_the_city` |")
HEADER = "| § | 条款 | rule | where | tests |\n|---|---|---|---|---|\n"


def check(*lines: str, domain: str = FIXTURE_DOMAIN) -> list[str]:
    return problems(parse_trace(HEADER + "\n".join(lines)), rule_ids=domain_rule_ids(domain),
                    questions={"Who approves leave (ATT-4)"}, original=FIXTURE_ORIGINAL)


def test_the_checker_accepts_a_good_row():
    assert check(GOOD_ROW, domain="### ATT — a\n- **ATT-4** x\n") == []
    assert domain_rule_ids(FIXTURE_DOMAIN) == ["ATT-4", "ATT-5", "DUTY"]


def test_the_checker_names_each_fault_of_a_bad_trace():
    found = check(
        GOOD_ROW,
        "| 一.2 | 「旷工的，扣除工资」 | ATT-5 | `xinyi_attendance.rules:no_such_function` | "
        "`tests/plugins/attendance/test_attendance_rules.py::test_no_such_test` |",
        "| 一.2 | 「扣除工资」 | ATT-9 | `xinyi_nowhere.rules:f` | `tests/no/such_file.py::test_x` |",
        "| 附.1 | 「请假须由负责人批准」 | README | «Who grants bonuses» | |",
        "| 附.2 | 「请销假」 | outside | | |",
        "| 附.3 | 「请假审批单」 | DUTY | xinyi_leave.rules.approval_roles | |",
        "| 附.4 | 「」 | outside | nothing quoted, nothing checked | |",
    )
    expected = [
        "line 4 (一.2): `xinyi_attendance.rules:no_such_function`: no 'no_such_function'",
        "line 4 (一.2): `tests/plugins/attendance/test_attendance_rules.py::test_no_such_test`: no test "
        "'test_no_such_test' in tests/plugins/attendance/test_attendance_rules.py",
        "line 5 (一.2): § given twice",
        "line 5 (一.2): 「扣除工资」 out of the original's order",
        "line 5 (一.2): ATT-9 is no rule ID of DOMAIN.md",
        "line 5 (一.2): `tests/no/such_file.py::test_x`: no such file",
        "line 6 (附.1): 「请假须由负责人批准」 out of the original's order",
        "line 6 (附.1): «Who grants bonuses» is no question of README's decision table",
        "line 7 (附.2): 「请销假」 not in the original",
        "line 7 (附.2): an outside row says why",
        "line 8 (附.3): a rule row names where it is enforced (`module:function`) and its tests",
        "line 9 (附.4): 「」 an empty quote",
        "DUTY has no row naming where it is enforced and its tests",
    ]
    for line in expected:
        assert line in found, line
    assert any(p.startswith("line 5 (一.2): `xinyi_nowhere.rules:f`: module does not import") for p in found)
    assert len(found) == len(expected) + 1, found


def test_the_checker_finds_clauses_and_forms_without_a_row():
    rows = parse_trace(HEADER + GOOD_ROW + "\n| 附件1.3 | 「x」 | outside | because it is so | |")
    missing = missing_clauses(rows, FIXTURE_ORIGINAL)
    assert "一.2" in missing and "一.1" not in missing
    assert "附件1.4" in missing and "附件1.3" not in missing
    assert [m for m in missing if m in FORMS] == ["附件2", "附件3", "附件4", "附件5"]
    assert missing_clauses(parse_trace(HEADER + "| 一.1a | 「x」 | outside | because it is so | |"),
                           FIXTURE_ORIGINAL)[0] == "一.2"  # 一.1a covers 一.1


def test_a_row_with_the_wrong_number_of_cells_is_reported():
    assert check("| 一.1 | 「请假须由负责人批准」 | ATT-4 |")[0] == "line 3 (一.1): 3 cells, not 5"
