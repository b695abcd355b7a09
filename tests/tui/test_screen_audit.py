"""Issue 18's screen audit: every screen, every role allowed to open it, 80×24, the demo city.

The screens come from the navigation entries an operator of each role is offered (the core's and
every installed plugin's, ``xinyi_screens``), so a new plugin's screens are audited without new test
code. One app per role (one demo account each) opens every entry of her home menu by its two keys
(digit, letter) and checks, on each screen, what a clerk would meet:

- ``footer``: the key footer fits 80 columns: every item drawn whole, ``F1 帮助`` last, nothing else
  on the line (a key that did not fit is left out whole and must be listed on F1: ``f1``);
- ``esc``: Esc leaves the screen; ``esc-search``: after typing into a search box, the first Esc
  clears it (staying), the second leaves;
- ``rule-id``: no rule ID (``ATT-5``); ``internal-id``: no database id (``#123``, ``393.docx``);
  ``path``: no server path; ``diagnostic``: no scheme diagnostic (``28分≠细项合计39分``);
- ``ascii``: no ASCII word outside :data:`ASCII_ALLOWED`;
- ``header``: no table header cut (each column's label drawn in full); ``empty``: a list with no rows
  says so (UX.md: empty states say what to do next), never a blank;
- ``menu``: the line of every entry is shown on the home menu once its group's digit is pressed,
  and its two keys open it.

Besides the entries' own screens: the home screen, what each screen's F1 help lists (``<entry> › F1``;
the help screen itself is opened on the home screen and the people list), a person's page opened from
the people list (``tui.nav.people › person``; its sections come from the plugins) and the login screen.
A careless plugin's screen (:class:`CarelessScreen`) shows that the audit finds what it should.

Findings in screens being fixed elsewhere are listed in :data:`KNOWN`; the audit fails on any
finding not listed there, and on a listed one that no longer occurs (remove it then).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, ClassVar, Iterator, NamedTuple

import pytest
from rich.cells import cell_len
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static

from xinyi_core import ScreenEntry, auth, hookimpl, lifecycle, testing
from xinyi_core.models import Operator
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.nav import GROUP_DIGIT, HOME
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.screens.help import HelpScreen, global_keys, page_keys
from xinyi_core.tui.screens.home import HomeScreen
from xinyi_core.tui.screens.login import LoginScreen
from xinyi_core.tui.widgets import Column, Form, KeyBar, RecordList

from .conftest import SIZE, screen_text, settle

XINYI = Path(sys.executable).parent / "xinyi"
ROLES = tuple(auth.ROLE_LEVEL)
KINDS = frozenset({"footer", "f1", "esc", "esc-search", "rule-id", "internal-id", "path", "diagnostic", "ascii",
                   "header", "empty", "menu"})
PERSON = "tui.nav.people › person"
HELP = " › F1"

# Findings tolerated, as (screen, role, finding kind): none. Every screen passes; a new finding is fixed,
# not added here (an entry that no longer occurs would fail the audit too).
KNOWN: frozenset[tuple[str, str, str]] = frozenset()

# ASCII words an operator may read. A single letter is a key name (``a 新增``, ``按 o 汇集数据``; UX.md:
# letters as they are) and is allowed; so is an ID number's check digit ``X`` (a word glued to digits
# is never a word here). The rest, each on purpose:
ASCII_ALLOWED = frozenset({
    *(f"F{i}" for i in range(1, 13)),  # F-keys, as printed on the keys
    "Esc", "Tab", "Ctrl", "Shift", "Home", "End",  # key caps (UX.md: key names as on the keyboard)
    "PDF", "Excel", "Word", "WPS",  # file formats and the programs that open them, as clerks name them
    "ZMODEM",  # the SSH clients' download protocol (rz/sz), named in the download help
})
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*")
RULE_ID = re.compile(r"\b[A-Z]{2,5}-\d+\b")
DIAGNOSTIC = re.compile(r"\S*≠\S*")  # a check's verdict on a scheme (表头28分≠细项合计39分): the admin's
INTERNAL_ID = re.compile(r"#\d+|(?<![\w.])\d+\.(?:docx|xlsx|xls|pdf|csv|zip|txt)\b", re.IGNORECASE)
PATH = re.compile(r"(?<![\w/~.])~?/[A-Za-z0-9_.-]+|[A-Za-z0-9_.~-]*/[^\s/]+\.(?:docx|xlsx|xls|pdf|csv|zip|log|db|toml)\b")


class Finding(NamedTuple):
    screen: str
    kind: str
    detail: str


# --------------------------------------------------------------------------- the demo city

@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``xinyi demo --assistants 60 --villages 30``, once per test session (per xdist worker)."""
    folder = tmp_path_factory.mktemp("audit-demo")
    config = folder / "xinyi.toml"
    config.write_text('[paths]\ndata_dir = "data"\n', "utf-8")
    subprocess.run([str(XINYI), "demo", "--assistants", "60", "--villages", "30"],
                   env={**os.environ, "XINYI_CONFIG": str(config)}, check=True, capture_output=True, timeout=120)
    return folder / "data" / "xinyi.db"


@pytest.fixture
def demo_city(demo_db: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the demo city's database, the runtime started on it with every installed plugin."""
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{demo_db}{suffix}").exists():
            shutil.copy(f"{demo_db}{suffix}", tmp_path / f"xinyi.db{suffix}")
    testing.start(testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}"))
    try:
        yield tmp_path
    finally:
        lifecycle.shutdown()


def demo_account(role: str) -> Operator:
    """The demo's first account of ``role`` (新安街道's for the towns' roles)."""
    op = Operator.select().where(Operator.role == role).order_by(Operator.id).first()
    assert op is not None, f"the demo has no account of role {role}"
    return op


# --------------------------------------------------------------------------- what is checked on a screen

# The city maintains the scoring scheme: its checks may show the scheme's diagnostic (UX.md, "The city's
# and the admin's checks may show them"); a town's screen never does.
SCHEME_KEEPERS = frozenset({"city_office", "bureau", "admin"})


def text_findings(screen: str, text: str, role: str = "") -> list[Finding]:
    """Rule IDs, internal ids, paths and ASCII words in what the operator reads."""
    out = [Finding(screen, "rule-id", m) for m in RULE_ID.findall(text)]
    out += [Finding(screen, "internal-id", m) for m in INTERNAL_ID.findall(text)]
    if role not in SCHEME_KEEPERS:
        out += [Finding(screen, "diagnostic", m) for m in DIAGNOSTIC.findall(text)]
    out += [Finding(screen, "path", m) for m in PATH.findall(text)]
    words = WORD.findall(RULE_ID.sub(" ", text))  # a rule ID is one finding, not two
    out += [Finding(screen, "ascii", w) for w in words if len(w) > 1 and w not in ASCII_ALLOWED]
    return out


def footer_findings(screen: str, app: XinyiApp, text: str, *, back: bool = True,
                    help_: bool = True) -> list[Finding]:
    """The footer line holds the key bar's items, each whole, F1 last (``help_``), Esc (``back``); in 80
    columns."""
    bars = [bar for bar in app.screen.query(KeyBar) if bar.display]
    if not bars:
        return [Finding(screen, "footer", "no key footer")]
    bar = bars[0]
    line = text.splitlines()[-1] if text else ""
    out = []
    if cell_len(line) > SIZE[0]:
        out.append(Finding(screen, "footer", f"wider than {SIZE[0]}: {line}"))
    rest = line
    for item in bar.shown:
        if item not in rest:
            out.append(Finding(screen, "footer", f"item {item!r} not drawn whole: {line}"))
        rest = rest.replace(item, "", 1)
    if rest.strip():
        out.append(Finding(screen, "footer", f"cut or stray text {rest.strip()!r}: {line}"))
    if help_ and not line.endswith("F1 帮助"):
        out.append(Finding(screen, "footer", f"F1 帮助 is not last: {line}"))
    if back and "Esc " not in line:
        out.append(Finding(screen, "footer", f"no Esc: {line}"))
    return out


def header_findings(screen: str, app: XinyiApp) -> list[Finding]:
    """Every shown table's column labels drawn in full on its header line; an empty one says so."""
    out = []
    for table in app.screen.query(RecordList):
        if not table.display or table.size.width == 0:
            continue
        if table.count == 0 and not table.empty:
            out.append(Finding(screen, "empty", f"an empty list says nothing ({table.id})"))
        header = table.render_line(0).text
        out += [Finding(screen, "header", f"{c.label!r} in {header.strip()!r}") for c in table.columns
                if c.label and c.label not in header]
    for grid in app.screen.query(DataTable):
        if grid.display and grid.show_header:
            out += [Finding(screen, "header", f"{c.label.plain!r} in {c.get_render_width(grid)} cells")
                    for c in grid.columns.values() if c.get_render_width(grid) - 2 * grid.cell_padding
                    < cell_len(c.label.plain)]
    return out


def search_box(app: XinyiApp) -> Input | None:
    """The search box the operator types into: one ``/`` focused, or one with the focus from the start
    (an input of a form is not a search box)."""
    focused = app.screen.focused
    if isinstance(focused, Input) and not any(isinstance(a, Form) for a in focused.ancestors):
        return focused
    return None


class Audit:
    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.app: XinyiApp = pilot.app
        self.role = self.app.operator.role if self.app.operator is not None else ""
        self.findings: list[Finding] = []

    async def settle(self, delay: float = 0.0) -> None:
        """After a key (which Textual's pilot already waits on): the workers it started, and what they
        post back. Cheaper than conftest's ``settle``: no sleep unless asked, so 200 screens stay fast."""
        await self.pilot.pause(delay)
        await self.app.workers.wait_for_complete()
        await self.pilot.pause(0)

    def add(self, found: list[Finding]) -> None:
        self.findings.extend(found)

    async def look(self, screen: str, *, back: bool = True, press_f1: bool = False) -> None:
        """What the screen shows, its footer and headers, and what its F1 help lists.

        The help's lines are those :class:`HelpScreen` is built from (``page_keys`` and ``global_keys``):
        every screen's are checked without opening it (each key costs a pilot ~0.1 s); with ``press_f1``
        F1 is pressed too, and the help screen itself audited.
        """
        app = self.app
        text = screen_text(app)
        self.add(text_findings(screen, text, self.role))
        self.add(footer_findings(screen, app, text, back=back))
        self.add(header_findings(screen, app))
        bars = list(app.screen.query(KeyBar))
        dropped = bars[0].dropped if bars else []
        listed = [f"{key} {what}" for key, what in page_keys(app, app.screen) + global_keys(app, app.screen)]
        self.add(text_findings(screen + HELP, "\n".join(listed), self.role))
        self.add([Finding(screen, "f1", f"{item!r} is neither in the footer nor on F1") for item in dropped
                  if item not in listed])
        if not press_f1:
            return
        under = app.screen
        await self.pilot.press("f1")
        await self.settle()
        if not isinstance(app.screen, HelpScreen):
            self.add([Finding(screen, "f1", "F1 shows no help")])
            return
        help_id = screen + HELP
        text = screen_text(app)
        self.add(text_findings(help_id, text, self.role))
        self.add(footer_findings(help_id, app, text))
        self.add(header_findings(help_id, app))
        await self.pilot.press("escape")
        await self.settle()
        if app.screen is not under:
            self.add([Finding(help_id, "esc", "Esc does not close the help")])

    async def search_then_leave(self, screen: str) -> None:
        """Type into the search box (if any): Esc clears it, staying; then Esc leaves the screen."""
        app, pilot = self.app, self.pilot
        mode, under = app.current_mode, app.screen
        if "slash" in app.screen.active_bindings or "/" in app.screen.active_bindings:
            await pilot.press("slash")
            await self.settle()
        box = search_box(app)
        if box is not None:
            await pilot.press("z", "z")
            await self.settle(0.2)  # past the search's debounce
            if box.value != "zz":
                self.add([Finding(screen, "esc-search", f"typed 'zz', the box holds {box.value!r}")])
            await pilot.press("escape")
            await self.settle()
            if app.current_mode != mode or app.screen is not under:
                self.add([Finding(screen, "esc-search", "the first Esc after typing left the screen")])
                return
            if box.value:
                self.add([Finding(screen, "esc-search", f"Esc did not clear the search box ({box.value!r})")])
        await pilot.press("escape")
        await self.settle()
        if app.current_mode == mode and app.screen is under:
            self.add([Finding(screen, "esc", "Esc stays on the screen")])
        while len(app.screen_stack) > 1:  # whatever Esc opened over it: not this audit's business
            await app.pop_screen()

    async def person_page(self) -> None:
        """From the people list (its search box has the focus), Enter opens the first person's page."""
        app, pilot = self.app, self.pilot
        under = app.screen
        await pilot.press("enter")
        await self.settle()
        if app.screen is under:
            return  # nobody in her list
        await self.look(PERSON)
        await pilot.press("escape")
        await self.settle()
        if app.screen is not under:
            self.add([Finding(PERSON, "esc", "Esc does not go back to the list")])
            while app.screen is not under and len(app.screen_stack) > 1:
                await app.pop_screen()

    async def menu(self, entry: Any) -> bool:
        """From home, the entry's group digit shows the group's lines; its letter opens it."""
        app, pilot = self.app, self.pilot
        if not isinstance(app.screen, HomeScreen) or len(app.screen_stack) > 1:
            await pilot.press("f2")
        await pilot.press(GROUP_DIGIT[entry.group])
        await self.settle()
        text = screen_text(app)
        line = f"{entry.path} {entry.title}"
        if line not in text:
            self.add([Finding(entry.id, "menu", f"{line!r} not on the home screen after {entry.path[0]}")])
        if entry.action:  # 注销: an app action, not a screen (test_navigation logs out by it)
            return False
        await pilot.press(entry.path[1])
        await self.settle()
        if app.current_mode != entry.id:
            self.add([Finding(entry.id, "menu", f"{entry.path} opened {app.current_mode}")])
            return False
        return True


async def audit(operator: Operator) -> list[Finding]:
    app = XinyiApp(operator)
    async with app.run_test(size=SIZE) as pilot:
        run = Audit(pilot)
        await run.settle()
        await run.look(HOME, back=False, press_f1=True)
        for entry in app.nav.values():
            if entry.id == HOME:
                continue
            if not entry.path:
                run.add([Finding(entry.id, "menu", "no two keys on the home menu")])
                continue
            if not await run.menu(entry):
                continue
            await run.look(entry.id, press_f1=entry.id == "tui.nav.people")
            if entry.id == "tui.nav.people":
                await run.person_page()
            await run.search_then_leave(entry.id)
    return run.findings


def compare(role: str, findings: list[Finding]) -> str:
    """What differs from :data:`KNOWN` for ``role``: new findings, and known ones that are gone."""
    known = {(screen, kind) for screen, r, kind in KNOWN if r == role}
    seen = {(f.screen, f.kind) for f in findings}
    new = sorted({f for f in findings if (f.screen, f.kind) not in known})
    gone = sorted(known - seen)
    lines = [f"NEW ({f.screen!r}, {role!r}, {f.kind!r}): {f.detail}" for f in new]
    lines += [f"GONE ({screen!r}, {role!r}, {kind!r}): fixed — remove it from KNOWN" for screen, kind in gone]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the tests

@pytest.mark.parametrize("role", ROLES)
async def test_every_screen_a_role_may_open_passes_the_audit(demo_city: Path, role: str):
    findings = await audit(demo_account(role))
    assert all(f.kind in KINDS for f in findings)
    differences = compare(role, findings)
    assert not differences, "\n" + differences


async def test_the_login_screen_passes_the_audit(demo_city: Path):
    app = XinyiApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, LoginScreen)
        text = screen_text(app)
        # before anyone logs in there is no screen help (two boxes and Enter, the hint says so), no way back
        findings = text_findings("login", text) + footer_findings("login", app, text, back=False, help_=False)
        findings += header_findings("login", app)
    assert not findings, findings


class CarelessScreen(XinyiScreen):
    """What a careless plugin might show: a rule ID, a record id, a server path, English, a cut header,
    an empty list saying nothing, and an Esc that does nothing."""

    TITLE_KEY = "careless.title"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "stay", "返回")]

    def compose_body(self):
        yield Static("依据 ATT-5 处理，单据 #12，文件 /srv/xinyi/reports/393.docx，Status pending", id="careless")
        yield RecordList([Column("序号", 6), Column("备注", 0)], id="careless-list")  # empty, saying nothing
        grid = DataTable(id="careless-grid")  # a plugin's own table, sized by hand: its header is cut
        grid.add_column("请假/培训天数", width=6)
        yield grid

    def on_mount(self) -> None:
        self.query_one(RecordList).reload()

    def action_stay(self) -> None:
        pass


def _careless_plugin() -> types.ModuleType:
    module = types.ModuleType("careless")
    module.XINYI_API = "1"
    module.xinyi_messages = hookimpl(lambda: {"title": "粗心页面"})
    module.xinyi_permissions = hookimpl(lambda: {"careless.view": ["town_clerk"]})
    # a group no core code knows: the menu's 0 其他, reached by the digit 0
    module.xinyi_screens = hookimpl(lambda: [ScreenEntry("", "careless.title", "careless.view", CarelessScreen,
                                                         "town_notices")])
    return module


@pytest.mark.parametrize("tui_city", [{"plugins": {"careless": _careless_plugin()}}], indirect=True)
async def test_a_new_plugins_screen_is_audited_without_new_test_code(tui_city):
    findings = await audit(tui_city.op("town_clerk", "a"))
    mine = {(f.kind, f.detail) for f in findings if f.screen == "careless.title"}
    assert {kind for kind, _ in mine} == {"rule-id", "internal-id", "path", "ascii", "header", "empty", "esc"}, mine
    assert {("rule-id", "ATT-5"), ("internal-id", "#12"), ("ascii", "Status"), ("ascii", "pending")} <= mine
    assert not [f for f in findings if f.screen == "careless.title" and f.kind == "menu"]  # 0a opened it


def test_known_findings_name_a_role_and_a_kind_the_audit_knows():
    assert all(role in ROLES and kind in KINDS for _screen, role, kind in KNOWN), KNOWN
