"""Seven journeys through the installed ``xinyi`` in a real terminal, as people do them (issue 18).

A journey is one or more *sessions* — the app started in tmux at 80×24 with its clock standing
at a given moment (``XINYI_CLOCK``) — each a list of *steps*: the keys a person presses and what
she then sees. Keys are the ones the screen shows (home digit + letter, F-keys, the footer's
letters); text is typed as text. After a step's keys the runner waits until everything the step
expects is on the screen; a step must expect something that was not there before its keys, so a
key that did nothing cannot pass unnoticed. Each journey ends with a check of what was saved.

The same definitions drive ``tests/tui/test_journeys.py`` (pass/fail) and
``benchmarks/journeys.py`` (keystrokes and wall time per journey).

The demo city (``xinyi demo --assistants 60 --villages 30``) is built once with the clock at
7:30 on Monday 30 November 2026: its records run to the day before. Every journey then works
on a copy, on the dates it needs — the month's checks and reports on 1 December, the year's
scoring once the round has opened in mid-December. Fixed dates keep the journeys the same
whenever they run, inside a year whose holidays the national calendar knows.
"""
from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.cells import cell_len

from .terminal import ENDED, Terminal

XINYI = Path(sys.executable).parent / "xinyi"
PASSWORD = "xinyi123"
DEMO_CLOCK = "2026-11-30T07:30"
DEMO_ARGS = ("--assistants", "60", "--villages", "30")
STARTUP_TIMEOUT = 30.0  # s for the app to show its login screen (a loaded 2-core machine)


# --------------------------------------------------------------------------- definitions

@dataclass(frozen=True)
class Step:
    note: str  # what the person does, in the failure message
    keys: tuple[str, ...]
    see: tuple[str, ...] = ()  # all on the screen afterwards
    title: str | None = None  # the title row then names this screen
    gone: tuple[str, ...] = ()  # no longer on the screen
    notice: str | None = None  # a notice says this (however its box wraps it)
    timeout: float = 15.0

    def conditions(self) -> list[tuple[str, Callable[[str], bool]]]:
        out: list[tuple[str, Callable[[str], bool]]] = []
        if self.title is not None:
            title = self.title
            out.append((f"the title {title!r}", lambda s: s.split("\n", 1)[0].strip().startswith(title)))
        if self.notice is not None:
            words = "".join(self.notice.split())
            out.append((f"the notice {self.notice!r}", lambda s: words in notices(s)))
        out += [(repr(text), lambda s, text=text: text in s) for text in self.see]
        out += [(f"{text!r} gone", lambda s, text=text: text not in s) for text in self.gone]
        return out


def step(note: str, *keys: str, see: str | Sequence[str] = (), title: str | None = None,
         gone: str | Sequence[str] = (), notice: str | None = None, timeout: float = 15.0) -> Step:
    as_tuple = (lambda v: (v,) if isinstance(v, str) else tuple(v))
    return Step(note, keys, as_tuple(see), title, as_tuple(gone), notice, timeout)


def notices(screen: str) -> str:
    """The text of the notices on ``screen`` run together, spaces dropped: each line of a notice's box
    starts after its left edge ``▌`` (a rule of the screen beneath may show past its right edge), and a
    long notice wraps anywhere."""
    lines = (line.rpartition("▌ ")[2] for line in screen.split("\n") if "▌ " in line)
    return "".join(ch for line in lines for ch in line if not ch.isspace() and not "\u2500" <= ch <= "\u259f")


CITY_USERS = frozenset({"city", "bureau"})  # the city office and the bureau start on 数据看板 (issue 23)


def login(user: str, who: str, *, see: Sequence[str] = ()) -> Step:
    """Type the user name and the password on the login screen; her first screen shows who she is —
    数据看板 for the city's users, home for everyone else."""
    lands = "数据看板" if user in CITY_USERS else "首页"
    return step(f"log in as {user}", user, "Enter", PASSWORD, "Enter", title=lands, see=(who, *see))


def login_home(user: str, who: str) -> tuple[Step, ...]:
    """Log in and be on home, its to-dos and menu: the city's users press F2 from 数据看板."""
    if user not in CITY_USERS:
        return (login(user, who),)
    return (login(user, who), step("F2: home, her to-dos and menu", "F2", title="首页", see="待办事项"))


def logout(name: str) -> Step:
    """Ctrl+L: back to the login screen, which says who has logged out."""
    return step("log out (Ctrl+L)", "C-l", see=(f"{name} 已注销", "用户名"))


@dataclass(frozen=True)
class Session:
    clock: str  # XINYI_CLOCK: where the app's clock stands
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Journey:
    key: str  # the test's and the benchmark's name
    title: str  # what it is, for the benchmark table
    sessions: tuple[Session, ...]
    check: Callable[[Path], None]  # the saved outcome, given the city's folder


@dataclass
class Result:
    keystrokes: int = 0
    seconds: float = 0.0
    steps: int = 0
    screens: list[str] = field(default_factory=list)  # the screen after each step


# --------------------------------------------------------------------------- the city

def app_env(city: Path, clock: str) -> dict[str, str]:
    """This process's environment without any XINYI_* setting, plus the city's config and the clock."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYI_")}
    env.setdefault("LANG", "C.UTF-8")  # tmux passes Chinese through only in a UTF-8 locale
    return {**env, "XINYI_CONFIG": str(city / "xinyi.toml"), "XINYI_CLOCK": clock}


def build_city(folder: Path) -> Path:
    """The demo city in ``folder`` (config + data), built with the clock at :data:`DEMO_CLOCK`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "xinyi.toml").write_text('[paths]\ndata_dir = "data"\n', "utf-8")
    subprocess.run([str(XINYI), "demo", *DEMO_ARGS], env=app_env(folder, DEMO_CLOCK), check=True,
                   capture_output=True, timeout=180)
    return folder


def copy_city(source: Path, folder: Path) -> Path:
    shutil.copytree(source, folder)
    return folder


@contextmanager
def database(city: Path) -> Iterator[sqlite3.Connection]:
    """The city's database, read after the journey (the app has quit)."""
    db = sqlite3.connect(city / "data" / "xinyi.db")
    try:
        yield db
    finally:
        db.close()


def one(city: Path, sql: str, *args: object) -> tuple:
    with database(city) as db:
        rows = db.execute(sql, args).fetchall()
    assert len(rows) == 1, f"expected one row for {sql!r} {args}, got {rows}"
    return rows[0]


def pad(text: str, cells: int) -> str:
    """``text`` padded with spaces to ``cells`` terminal columns (a Chinese character takes two), as a
    table column shows it."""
    return text + " " * (cells - cell_len(text))


def person_id(city: Path, name: str) -> int:
    return one(city, "SELECT id FROM person WHERE name = ?", name)[0]


# --------------------------------------------------------------------------- running

def perform(term: Terminal, s: Step, context: str) -> str:
    conditions = s.conditions()
    if not conditions:
        raise ValueError(f"{context}the step expects nothing: it could not tell whether its keys worked")
    before = term.screen()
    if all(check(before) for _, check in conditions):
        raise AssertionError(f"{context}everything this step expects is on the screen before its keys "
                             f"({', '.join(what for what, _ in conditions)}): it could not tell whether "
                             f"they worked. The screen:\n{before}")
    term.press(*s.keys)
    return term.wait(lambda screen: all(check(screen) for _, check in conditions),
                     " and ".join(what for what, _ in conditions), s.timeout, context=context)


def run(journey: Journey, city: Path, *, check: bool = True) -> Result:
    """Every session of ``journey`` on ``city`` (a copy of the demo city), then its check."""
    result = Result()
    started = time.monotonic()
    for n, session in enumerate(journey.sessions, 1):
        term = Terminal(shlex.quote(str(XINYI)), env=app_env(city, session.clock), name=journey.key)
        try:
            where = f"journey {journey.key}, session {n} ({session.clock})"
            term.wait_for("用户名", STARTUP_TIMEOUT, context=f"{where}, start: ")
            for i, s in enumerate(session.steps, 1):
                result.screens.append(perform(term, s, f"{where}, step {i} ({s.note}): "))
                result.steps += 1
            term.press("C-q")  # quit: nothing half-typed is left, so it does not ask
            term.wait_for(f"{ENDED} 0", context=f"{where}, quit: ")
            result.keystrokes += term.keystrokes
        finally:
            term.close()
    result.seconds = time.monotonic() - started
    if check:
        journey.check(city)
    return result


# --------------------------------------------------------------------------- (1) sign-in and a phone check

CALL_NOTE = "在村服务大厅接待群众"


def _check_signin(city: Path) -> None:
    sign_in, sign_out, by = one(
        city, "SELECT d.sign_in, d.sign_out, o.username FROM attendance_day d JOIN operator o ON o.id = d.in_by_id "
              "WHERE d.person_id = ? AND d.date = '2026-11-30'", person_id(city, "林鹏超"))
    assert (sign_in[:5], sign_out, by) == ("08:25", None, "xinan_clerk")
    called_at, answered_by, at_post, note, by = one(
        city, "SELECT c.called_at, c.answered_by, c.at_post, c.note, o.username FROM attendance_phone_check c "
              "JOIN operator o ON o.id = c.by_id WHERE c.person_id = ?", person_id(city, "董刚"))
    assert (called_at[:16], answered_by, at_post, note, by) == ("2026-11-30 08:25", "董刚", 1, CALL_NOTE,
                                                                "xinan_clerk")


SIGNIN = Journey("signin", "(1) the clerk signs an assistant in and records a phone check", (
    Session("2026-11-30T08:25", (
        login("xinan_clerk", "（镇考勤员·新安街道）"),
        step("open 2b 签到签退", "2", "b", title="签到签退", see="已签到 0 人，已签退 0 人，未签到 4 人"),
        step("down to 林鹏超", "Down", "Down", see="按回车为 林鹏超 签到"),
        step("Enter: asked once", "Enter", see="确认为 林鹏超 签到？（11月30日 08:25）"),
        step("Enter confirms", "Enter", notice="林鹏超 已签到：08:25",
             see=("已签到 1 人", "林鹏超   吕店社区       已签到     08:25")),
        step("Esc home, 2f 电话随访", "Escape", "2", "f", title="电话随访", see="通话时间 2026-11-30 08:25"),
        step("choose the assistant called", "Enter", "Down", "Down", "Down", "Down", "Enter",
             see="协理员 董刚（唐庄社区）"),
        step("who answered, at the post", "Tab", "Tab", "董刚", "Tab", "Enter", "Down", "Enter",
             see=("接听人 董刚", "是否在岗 在岗")),
        step("what she was doing, Ctrl+S", "Tab", CALL_NOTE, "C-s", notice="电话抽查已记录"),
    )),
), _check_signin)


# --------------------------------------------------------------------------- (2) a leave through its chain

LEAVE_REASON = "照顾住院的母亲"
SLIP = "请假单_林鹏超_2026-12-01.docx"
# What p 打印 says where no printer is set (the demo city): printing itself, on a CUPS queue, is
# tests/tui/test_documents_journey.py's journey.
NO_PRINTER = "本镇尚未设置打印机：请管理员在 xinyi.toml 的 [print] printer 或 towns.toml 中设置"


def _check_leave(city: Path) -> None:
    lin = person_id(city, "林鹏超")
    leave_id, state, days, start, end = one(
        city, "SELECT id, state, days, start_on, end_on FROM leave_request WHERE person_id = ? AND reason = ?",
        lin, LEAVE_REASON)
    assert (state, days, start, end) == ("approved", 3, "2026-12-01", "2026-12-03")
    with database(city) as db:
        steps = db.execute("SELECT s.role, s.decision, o.username FROM approval_step s JOIN approval_chain c "
                           "ON c.id = s.chain_id JOIN operator o ON o.id = s.decided_by_id "
                           "WHERE c.kind = 'leave' AND c.subject_id = ? ORDER BY s.seq", (leave_id,)).fetchall()
    assert [(role, user) for role, _, user in steps] == [
        ("village_head", "xinan_v1_head"), ("town_head", "xinan_head"), ("city_office", "city")]
    assert {decision for _, decision, _ in steps} == {"approved"}
    assert (city / "data" / "reports" / "leave.slip" / "2026" / SLIP).is_file()


def _approve_leave(user: str, who: str, notice: str) -> tuple[Step, ...]:
    return (*login_home(user, who),
            step("open 3b 请假审批", "3", "b", title="请假审批", see="林鹏超   事假     2026-12-01~12-03      3    审批中"),
            step("y 同意: the opinion", "y", title="审批意见", see="意见 同意"),
            step("Ctrl+S: on to the next", "C-s", title="请假审批", notice=notice, see="没有待您审批的请假"))


LEAVE = Journey("leave", "(2) a 3-day leave: village head → town head → 市就业处, the slip printed", (
    Session("2026-11-30T08:40", (
        login("xinan_zl1", "林鹏超（协理员·吕店社区）"),
        step("open 3a 我的请假", "3", "a", title="我的请假", see="没有请假记录：按 n 填写请假审批单"),
        step("n: the leave form", "n", title="填写请假审批单"),
        step("dates as people write them, the reason", "Tab", "Tab", "12-1", "Tab", "12-3", "Tab", LEAVE_REASON,
             see=("2026-12-01  （周二）", "2026-12-03  （周四）", "共 3 天（按工作日计）", f"请假事由 {LEAVE_REASON}")),
        step("Ctrl+S files it", "C-s", title="我的请假",
             see=("林鹏超   事假     2026-12-01~12-03      3    审批中", "村居负责人：待审")),
        logout("林鹏超"),
        *_approve_leave("xinan_v1_head", "高宇（村居负责人·吕店社区）", "已同意，转镇中心负责人审批"),
        logout("高宇"),
        *_approve_leave("xinan_head", "苏浩敏（镇中心负责人·新安街道）", "已同意，转市就业处审批"),
        logout("苏浩敏"),
        *_approve_leave("city", "（市就业处·新沂市）", "已同意，审批完成"),
        logout("市就业处卢静"),
        # the town clerk keeps the slips on paper: p offers the document, p again sends it to the printer
        login("xinan_clerk", "（镇考勤员·新安街道）"),
        step("F5 请假管理: hers on top, approved", "F5", title="请假管理",
             see=("林鹏超   事假     2026-12-01~12-03      3    已批准", "市就业处：已批准")),
        step("p: the slip, named for people", "p", see=("文件已生成", SLIP, "p 打印  d 下载  f PDF")),
        step("p 打印: the demo city has no printer, and says so", "p", notice=NO_PRINTER),
        step("Esc closes the dialog", "Escape", title="请假管理", gone="文件已生成"),
    )),
), _check_leave)


# --------------------------------------------------------------------------- (3) work log

LOG_TEXT = "走访五户，登记就业信息"
CHECK_REMARKS = "记载完整，请及时办结来访事项"


def _check_worklog(city: Path) -> None:
    lin = person_id(city, "林鹏超")
    state, progress = one(city, "SELECT state, progress FROM log_entry WHERE person_id = ? AND day = '2026-11-30'",
                          lin)
    assert (state, progress) == ("submitted", LOG_TEXT)
    missing, remarks, checker = one(
        city, "SELECT c.missing_days, c.remarks, o.username FROM monthly_check c JOIN operator o "
              "ON o.id = c.checked_by_id WHERE c.person_id = ? AND c.period = '2026-11'", lin)
    assert (missing, remarks, checker) == (0, CHECK_REMARKS, "xinan_clerk")


WORKLOG = Journey("worklog", "(3) an assistant writes today's log; the clerk runs the month's check", (
    Session("2026-11-30T17:10", (
        login("xinan_zl1", "林鹏超（协理员·吕店社区）"),
        step("open 4a 我的工作日志", "4", "a", title="我的工作日志", see="2026-11：已提交 20 天"),
        step("n: a new entry, dated today", "n", title="新建工作日志", see="2026-11-30  （周一）"),
        step("Tab to 工作进展 and type", "Tab", "Tab", "Tab", LOG_TEXT, see=f"工作进展 {LOG_TEXT}"),
        step("Ctrl+S saves it, submitted", "C-s", title="我的工作日志",
             notice="日志已保存（已提交）", see=("2026-11：已提交 21 天", f"已提交 {LOG_TEXT}")),
    )),
    Session("2026-12-01T09:00", (
        login("xinan_clerk", "（镇考勤员·新安街道）"),
        step("open 4a 日志月度检查: last month", "4", "a", title="日志月度检查",
             see=("2026-11：4 人，已检查 0 人", "林鹏超   吕店社区     0    0")),
        step("her row, Enter: what the check found", "Down", "Down", "Enter", title="记录月度检查：林鹏超 2026-11",
             see=("应记工作日 21 天，已提交 21 条", "缺记 0 天：无")),
        step("remarks, Ctrl+S records the check", CHECK_REMARKS, "C-s", title="日志月度检查",
             notice="已记录 林鹏超 2026-11 的检查，当月日志已锁定", see="2026-11：4 人，已检查 1 人"),
    )),
), _check_worklog)


# --------------------------------------------------------------------------- (4) the year's scoring

DEDUCTION_REASON = "答复群众养老金政策有误"
FAIL_EXPLANATION = "违反作风建设规定，一票否决"


def _check_scoring(city: Path) -> None:
    with database(city) as db:
        grades = dict(db.execute("SELECT p.name, a.grade FROM assessment a JOIN person p ON p.id = a.person_id "
                                 "JOIN org_unit t ON t.id = a.town_id WHERE t.code = 'yaowan' AND a.year = 2026"))
        units, reason, entered_by = db.execute(
            "SELECT d.units, d.reason, o.username FROM item_deduction d JOIN assessment a ON a.id = d.assessment_id "
            "JOIN person p ON p.id = a.person_id JOIN operator o ON o.id = d.entered_by_id "
            "WHERE p.name = '萧超' AND a.year = 2026 AND d.source = 'assessor'").fetchone()
    assert len(grades) == 7
    assert [n for n, g in grades.items() if g == "excellent"] == ["曹建兰"]  # the cap: one of seven
    assert grades["叶兰宇"] == "fail" and grades["萧超"] == "pass"
    assert (units, reason, entered_by) == (3, DEDUCTION_REASON, "yaowan_head")
    assert one(city, "SELECT explanation FROM assessment WHERE person_id = ? AND year = 2026",
               person_id(city, "叶兰宇"))[0] == FAIL_EXPLANATION


SCORING = Journey("scoring", "(4) the town head scores the year with the 20% cap", (
    Session("2026-12-16T09:00", (
        login("yaowan_head", "（镇中心负责人·窑湾镇）"),
        step("open 7a 年度考核打分", "7", "a", title="年度考核打分", see="还没有评分表：按 o 汇集数据开始打分"),
        step("o: the year's data for every assistant", "o", notice="已为7名协理员汇集数据",
             see="萧超     95.5   优秀"),
        step("萧超, d: a deduction", "Down", "Down", "Down", "d", title="扣分"),
        step("choose the item", "Enter", "Down", "Down", "Down", "Enter",
             see="扣分项目 4 政策解答错误（0.5/人次）"),
        step("three times, and why", "Tab", "BSpace", "3", "Tab", DEDUCTION_REASON,
             see=("次数/数量 3", f"理由 {DEDUCTION_REASON}")),
        step("Ctrl+S: his score drops", "C-s", title="年度考核打分", see="萧超     94     优秀"),
        step("Esc home, 7b 考核等次评定: the cap and the proposal", "Escape", "7", "b", title="考核等次评定",
             see=("专职协理员7人，优秀上限1人（20%），已评优秀1人", "1    曹建兰   94.5   优秀     优秀")),
        step("the vetoed one, 4: why she fails", "End", "4", title="不合格说明"),
        step("the reason, Ctrl+S", FAIL_EXPLANATION, "C-s", title="考核等次评定"),
        step("a second 优秀", "Home", "Down", "1", see="已评优秀2人"),
        step("Ctrl+S is refused: over the cap", "C-s",
             notice="操作被拒绝：“优秀”2人，超过本镇专职协理员总数20%的上限（1人）"),
        step("2 合格 instead, Ctrl+S saves", "2", "C-s", notice="等次已保存", see="已评优秀1人"),
    )),
), _check_scoring)


# --------------------------------------------------------------------------- (5) a departure

DEPARTURE_REASON = "本人考取事业编制，申请辞职"
DEPARTURE_REQUESTS = "请尽快办理社保转移"
HANDOVER_TO = ("蒋远磊", "林鹏超", "高宇")  # 工作文件, 业务资料, 办公设备


def _check_departure(city: Path) -> None:
    cheng = person_id(city, "程霞思")
    assert one(city, "SELECT status, departed_on FROM person WHERE id = ?", cheng) == ("departed", "2026-11-30")
    dep_id, state, category, departed_on, wages, insurance = one(
        city, "SELECT id, state, category, departed_on, wages_stopped_on, insurance_stopped_on FROM departure "
              "WHERE person_id = ?", cheng)
    assert (state, category, departed_on, wages, insurance) == (
        "departed", "resigned", "2026-11-30", "2026-11-30", "2026-11-30")
    with database(city) as db:
        handed = [r for r, in db.execute("SELECT received_by FROM handover_item WHERE departure_id = ? "
                                         "AND confirmed_at IS NOT NULL ORDER BY seq", (dep_id,))]
        steps = db.execute("SELECT s.role, s.decision FROM approval_step s JOIN approval_chain c ON c.id = s.chain_id "
                           "WHERE c.kind = 'departure' AND c.subject_id = ? ORDER BY s.seq",
                           (dep_id,)).fetchall()
    assert handed == list(HANDOVER_TO)
    assert steps == [("village_head", "approved"), ("town_head", "approved"), ("city_office", "approved")]


def _handover(*moves: str, receiver: str) -> tuple[Step, ...]:
    return (step("c: confirm the item handed over", *moves, "c", title="确认移交"),
            step("who received it, Ctrl+S", receiver, "C-s", title="工作移交 · 程霞思",
                 see=f"{pad(receiver, 13)}11-30 08:40"))


def _approve_departure(user: str, who: str, *moves: str, notice: str, see: Sequence[str] = ()) -> tuple[Step, ...]:
    return (*login_home(user, who),
            step("open 6a 离职管理, her report", "6", "a", *moves, title="离职管理",
                 see=f"离职原因：{DEPARTURE_REASON}"),
            step("a 同意: the opinion", "a", title="审批意见"),
            step("the opinion, Ctrl+S", "同意", "C-s", title="离职管理", notice=notice, see=see))


DEPARTURE = Journey("departure", "(5) a departure from report to effect", (
    Session("2026-11-30T08:40", (
        login("xinan_clerk", "（镇考勤员·新安街道）"),
        step("open 6a 离职管理", "6", "a", title="离职管理", see="暂无离职呈报：按 n 填报离职呈报单"),
        step("n: the report (附件5)", "n", title="离职呈报"),
        step("who leaves", "Enter", "Down", "Enter", see="协理员 程霞思（吕店社区）"),
        step("why", "Tab", "Enter", "Down", "Down", "Down", "Enter", see="离职类别 辞职"),
        step("from when, the reason, her requests", "Tab", "11-30", "Tab", DEPARTURE_REASON, "Tab",
             DEPARTURE_REQUESTS, see=("2026-11-30  （周一）", f"离职原因 {DEPARTURE_REASON}",
                                      f"个人要求 {DEPARTURE_REQUESTS}")),
        step("Ctrl+S reports it", "C-s", title="离职管理",
             see=("程霞思   吕店社区     辞职     2026-11-30 审批中", "村居负责人（吕店社区）：待审批")),
        step("h: the handover", "h", title="工作移交 · 程霞思", see="办公设备"),
        *_handover(receiver=HANDOVER_TO[0]),
        *_handover("Down", receiver=HANDOVER_TO[1]),
        *_handover("Down", receiver=HANDOVER_TO[2]),
        step("Esc: all handed over", "Escape", title="离职管理", see="工作移交：3/3 项已确认"),
        logout("刘磊涛"),
        *_approve_departure("xinan_v1_head", "高宇（村居负责人·吕店社区）", notice="已同意，转镇中心负责人审批"),
        logout("高宇"),
        *_approve_departure("xinan_head", "苏浩敏（镇中心负责人·新安街道）", notice="已同意，转市就业处审批"),
        logout("苏浩敏"),
        # the city sees every town's reports: hers is the fourth; approved on its date, it takes effect at once
        *_approve_departure("city", "（市就业处·新沂市）", "Down", "Down", "Down",
                            notice="已同意，审批完成", see=["程霞思   吕店社区     辞职     2026-11-30 已离职"]),
    )),
), _check_departure)


# --------------------------------------------------------------------------- (6) the month's reports

def _report_file(city: Path, town: str) -> Path:
    return city / "data" / "reports" / "attendance.monthly" / "2026-11" / f"{town}_2026年11月_月度考勤汇总.xlsx"


def _check_reports(city: Path) -> None:
    from openpyxl import load_workbook

    with database(city) as db:
        jobs = db.execute("SELECT title, state, outputs FROM xinyi_job WHERE kind = 'attendance.monthly' "
                          "ORDER BY id").fetchall()
    assert [(title, state) for title, state, _ in jobs] == [
        ("月度考勤汇总（新安街道，2026-11）", "done"), ("月度考勤汇总（北沟街道，2026-11）", "done")]
    for town in ("新安街道", "北沟街道"):
        path = _report_file(city, town)
        assert path.is_file(), path
        text = " ".join(str(c.value) for row in load_workbook(path).active.iter_rows() for c in row if c.value)
        assert f"{town}协理员2026年11月考勤汇总表" in text.replace(" ", "")


REPORTS = Journey("reports", "(6) the city runs the month's reports and finds the files", (
    Session("2026-12-01T09:00", (
        login("city", "（市就业处·新沂市）"),
        step("F10: 月度考勤汇总, last month", "F10", title="月度考勤汇总", see="新安街道协理员2026年11月考勤汇总表"),
        step("r: make the table", "r", notice="已提交：月度考勤汇总（新安街道，2026-11）"),
        step("t: the next town", "t", see="北沟街道协理员2026年11月考勤汇总表"),
        step("r: its table too", "r", notice="已提交：月度考勤汇总（北沟街道，2026-11）"),
        step("Esc home, 9c 后台任务: both done, the file named for people", "Escape", "9", "c", title="后台任务",
             see=("月度考勤汇总（北沟街道，2026-11）", "月度考勤汇总（新安街道，2026-11）",
                  "北沟街道_2026年11月_月度考勤汇总.xlsx"), timeout=30),
        step("Down: the other one's file", "Down", see="新安街道_2026年11月_月度考勤汇总.xlsx",
             gone="北沟街道_2026年11月_月度考勤汇总.xlsx"),
    )),
), _check_reports)


def _check_dashboard(city: Path) -> None:
    """Looking changes nothing it should not: no refusal recorded (nothing asked for that was not
    offered to the city office or the town head)."""
    with database(city) as db:
        refused = db.execute("SELECT COUNT(*) FROM audit_log WHERE allowed = 0 AND at >= '2026-12-01'").fetchone()
        assert refused == (0,)


DASHBOARD = Journey("dashboard", "(7) the city and a town head read the 数据看板 charts", (
    Session("2026-12-01T09:00", (
        # no key: 数据看板 is where the city office starts, this month's attendance by town on show
        login("city", "（市就业处·新沂市）", see=("1 出勤率", "出勤率（2026年12月）", "新安街道", "北沟街道")),
        step("[: last month", "[", see=("月份：2026年11月", "出勤率（2026年11月）")),
        step("5: the grades against the 20% cap", "5", see=("考核等次分布", "优秀比例上限 20%")),
        step("t: the same as numbers", "t", see=("镇街", "基本合格", "不合格"), gone="优秀比例上限 20%"),
    )),
    Session("2026-12-01T09:30", (
        login("xinan_head", "（镇中心负责人·新安街道）"),
        step("F12: her town against the city average, no other town", "F12", title="数据看板",
             see=("新安街道", "全市平均"), gone="北沟街道"),
    )),
), _check_dashboard)


JOURNEYS: tuple[Journey, ...] = (SIGNIN, LEAVE, WORKLOG, SCORING, DEPARTURE, REPORTS, DASHBOARD)
