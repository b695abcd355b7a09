"""The ``xinyi`` command. With no subcommand it starts the terminal UI."""
from __future__ import annotations

import datetime as dt
import logging
import pwd
import re
import sys
from pathlib import Path

import click

from . import audit as audit_mod
from . import lifecycle as rt_mod
from .errors import XinyiError
from .fmt import mask_fields
from .i18n import t


class _Group(click.Group):
    """Turns a :class:`XinyiError` anywhere — or a database error :func:`lifecycle.explain`
    understands (a missing table) — into one Chinese line and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except XinyiError as exc:
            _fail(ctx, exc)
        except Exception as exc:
            explained = rt_mod.explain(exc)
            if explained is None:
                raise
            _fail(ctx, explained)


def _fail(ctx: click.Context, exc: XinyiError) -> None:
    click.echo(t("cli.error", message=str(exc)), err=True)
    for line in getattr(exc, "errors", []) or []:
        click.echo(f"  {line}", err=True)
    ctx.exit(1)


# Commands that only read: they never create nor migrate a database (``xinyi init`` does). The
# one place this is decided, by command path, so the queue's and plugins' commands need no flag.
READ_ONLY = frozenset({"plugins", "audit", "operator list", "jobs list", "jobs show"})


# The deployment's own commands (set-up, backup, accounts): run by root or the service account only.
SYSTEM = frozenset({"init", "demo", "backup", "restore", "operator list", "operator link", "operator unlock",
                    "serve"})


def _start(ctx: click.Context, *, migrate: bool | None = None, warn: bool = True) -> rt_mod.Runtime:
    """Start the runtime; the administrator running a command is told what needs her attention
    (``warn``). The app (``warn=False``) shows it inside instead, to the roles that can act on it.
    The deployment's own commands (:data:`SYSTEM`) are refused to anyone but root and the service account."""
    from . import config as config_mod

    command = " ".join(ctx.command_path.split()[1:])
    if migrate is None:
        migrate = command not in READ_ONLY
    cfg = config_mod.load(ctx.obj["config"])
    if command in SYSTEM:
        _require_system(cfg, command)
    runtime = rt_mod.bootstrap(cfg, migrate=migrate)
    for warning in runtime.warnings if warn else ():
        click.echo(t("cli.warning", message=warning), err=True)
    return runtime


def _require_system(cfg, command: str) -> None:
    from .files import os_account, privileged, service_uid

    if not privileged(cfg):
        owner = service_uid(cfg)
        try:
            owner_name = pwd.getpwuid(owner).pw_name
        except KeyError:
            owner_name = str(owner)
        raise XinyiError("cli.system_only", command=command, account=os_account(), owner=owner_name)


def _lookup(username: str):
    """The operator named ``username`` (an account being managed, not the one acting)."""
    from .models import Operator

    op = Operator.get_or_none(Operator.username == username)
    if op is None:
        raise XinyiError("cli.unknown_operator", username=username)
    return op


def _operator(username: str | None):
    """The operator a command that reads or writes data acts as (issue 20: the CLI has an identity).

    An OS account linked with ``xinyi operator link`` acts as its operator (``--operator``
    may only name that one); root and the service account must name one with
    ``--operator``. Anyone else is refused in Chinese, and the refusal is audited.
    """
    from . import trail
    from .errors import PermissionDenied
    from .files import os_account, privileged
    from .models import Operator

    account = os_account()
    if privileged(rt_mod.runtime().config):
        if not username:
            raise XinyiError("cli.operator_required", account=account)
        op = _lookup(username)
        if not op.active:
            raise XinyiError("cli.inactive_operator", username=username)
        trail.acting_via(account)  # her rows on the trail also say who typed the command — until it ends
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.find_root().call_on_close(lambda: trail.acting_via(""))
        return op
    op = Operator.get_or_none((Operator.os_user == account) & (Operator.active == True))  # noqa: E712
    if op is None:
        trail.record(None, "auth.login", object_type="Operator", allowed=False, note=f"cli:{account[:40]}")
        raise PermissionDenied("cli.unlinked", user=account)
    if username and username != op.username:
        trail.record(op, "auth.login", op, allowed=False, note=f"cli_as:{username[:40]}")
        raise PermissionDenied("cli.not_your_operator", user=account, username=op.username)
    return op


@click.group(cls=_Group, invoke_without_command=True, help="新沂市协理员管理系统")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, readable=False), envvar="XINYI_CONFIG",
              help="配置文件（默认 ./config/xinyi.toml）")
@click.option("-v", "--verbose", is_flag=True, help="同时显示技术细节（英文日志），供排查问题")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    _log_to_terminal(verbose)
    ctx.ensure_object(dict)
    ctx.obj["config"] = config_path
    ctx.obj.update(start=_start, operator=_operator)  # for the commands of other modules (jobs.commands)
    if ctx.invoked_subcommand is None:
        # Every operator's login runs this: the administrator's notices (a year without a holiday
        # schedule) are not printed on her terminal, before and after the app, but shown in it.
        _start(ctx, warn=False)
        try:
            from .tui.app import run
        except ImportError:
            click.echo(t("cli.no_tui"))
            return
        run()


def _log_to_terminal(verbose: bool) -> None:
    """The operator's terminal gets Chinese lines only; the log's English detail with ``--verbose``.

    Without a handler Python prints warnings on stderr (``logging.lastResort``); a
    ``NullHandler`` on the root keeps them off. ``xinyi worker`` and ``xinyi scheduler``
    replace it with their own log (``force=True``).
    """
    root = logging.getLogger()
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", force=True)
    elif not root.handlers:
        root.addHandler(logging.NullHandler())


@cli.command(help="创建或升级数据库")
@click.pass_context
def init(ctx: click.Context) -> None:
    from . import config as config_mod, db, files

    cfg = config_mod.load(ctx.obj["config"])
    _require_system(cfg, "init")
    # first the tree an older version (or a hand) made: SQLite gives a new -wal/-shm the database's mode
    done, failed = files.repair(cfg)
    runtime = _start(ctx)
    click.echo(t("cli.init_done", url=runtime.config.database_url))
    click.echo(t("cli.init_versions", versions="，".join(f"{k}={v}" for k, v in sorted(db.applied_versions().items()))))
    for line in done:
        click.echo(line)
    for line in failed:
        click.echo(t("cli.warning", message=line), err=True)
    click.echo(t("files.repaired_count", count=len(done)) if done else t("files.repaired_none"))


@cli.command(help="生成演示城市（约 16 个镇街、300 个村居、500 名协理员）")
@click.option("--seed", default=7, show_default=True, help="随机种子")
@click.option("--assistants", default=500, show_default=True, help="协理员人数")
@click.option("--villages", default=300, show_default=True, help="村（社区）数")
@click.option("--reset", is_flag=True, help="先清空现有 SQLite 数据库")
@click.pass_context
def demo(ctx: click.Context, seed: int, assistants: int, villages: int, reset: bool) -> None:
    from . import config as config_mod, db
    from . import demo as demo_mod
    from rich.cells import set_cell_size

    if reset:
        cfg = config_mod.load(ctx.obj["config"])
        _require_system(cfg, "demo")
        if not cfg.database_url.startswith("sqlite:///"):
            raise XinyiError("cli.reset_sqlite_only")
        path = Path(cfg.database_url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    _start(ctx)
    if not demo_mod.is_empty():
        raise XinyiError("cli.demo_not_empty")
    with click.progressbar(length=assistants, label=t("cli.demo_progress")) as bar:
        last = [0]

        def progress(done: int, total: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        summary = demo_mod.build(seed=seed, assistants=assistants, villages=villages, progress=progress)
    click.echo(t("cli.demo_done", towns=summary.towns, villages=summary.villages, posts=summary.posts,
                 assistants=summary.assistants))
    for warning in summary.warnings:
        click.echo(t("cli.warning", message=warning), err=True)
    click.echo(t("cli.demo_accounts", password=demo_mod.DEMO_PASSWORD))
    # the city's accounts and the demo town's (clerk, head, village head, assistants): the README's list
    shown = [o for o in summary.operators if o[1] in ("admin", "bureau", "city_office")
             or o[0].startswith(f"{demo_mod.DEMO_TOWN}_")]
    for username, role, scope in shown:  # padded in terminal cells: a Chinese character is two
        click.echo(f"  {username:<16} {set_cell_size(t('role.' + role), 14)} {scope}")
    db.close()


@cli.group(name="import", help="导入数据")
def import_group() -> None:
    pass


OPERATOR_HELP = "以该操作员身份（检查权限并记入审计；只有 root 或服务账户可以指定，其他系统用户即其绑定的操作员）"


@import_group.command(name="people", help="导入协理员花名册（.xlsx 或 .csv）")
@click.argument("file", type=click.Path())  # a folder or a missing file: the importer says so in Chinese
@click.option("--operator", "username", help=OPERATOR_HELP)
@click.pass_context
def import_people(ctx: click.Context, file: str, username: str | None) -> None:
    from . import importer

    _start(ctx)
    result = importer.import_people(Path(file), _operator(username))
    click.echo(t("cli.import_done", count=result.imported))


@cli.command(help="列出已安装的插件")
@click.pass_context
def plugins(ctx: click.Context) -> None:
    """Only reads: a missing database is not created and pending migrations are listed, not applied."""
    from . import config as config_mod, org
    from .tui import nav

    cfg = config_mod.load(ctx.obj["config"])
    url = cfg.database_url
    missing = rt_mod.database_missing(url)
    if missing:  # the plugins are still listed: from a throw-away database in memory
        cfg.database_url = "sqlite:///:memory:"
    runtime = rt_mod.bootstrap(cfg, migrate=missing, pending_ok=True)
    for warning in runtime.warnings:
        click.echo(t("cli.warning", message=warning), err=True)
    towns = [] if missing or any(owner == "core" for owner, _, _ in runtime.pending) else org.town_codes()
    for name in runtime.plugins.names():
        info = runtime.plugins.info[name]
        enabled = runtime.plugins.towns_enabling(name, towns)
        where = (t("cli.plugins_towns_unknown") if not towns else
                 t("cli.plugins_all_towns") if len(enabled) == len(towns) else "、".join(enabled) or t("cli.none"))
        click.echo(t("cli.plugins_row", name=name, version=info.version, towns=where))
        click.echo(t("cli.plugins_hooks", hooks=", ".join(info.hooks) or t("cli.none")))
    for failure in runtime.plugins.failures:
        click.echo(t("plugins.failed", name=failure.name, error=failure.error))
    conflicts = nav.key_conflicts(towns)
    if conflicts:
        click.echo(t("cli.plugins_key_conflicts"))
    for conflict, roles in conflicts:
        click.echo(t("cli.plugins_key_conflict", message=conflict.message(),
                     roles="、".join(t(f"role.{r}") for r in roles)))
    if missing:
        click.echo(t("cli.warning", message=t("db.missing", path=url[len("sqlite:///"):])), err=True)
    elif runtime.pending:
        click.echo(t("cli.warning", message=t("db.pending", steps=rt_mod.describe_pending(runtime.pending))), err=True)


@cli.group(name="operator", help="管理操作员账户")
def operator_group() -> None:
    pass


@operator_group.command(name="list", help="列出操作员及其绑定的系统用户")
@click.pass_context
def operator_list(ctx: click.Context) -> None:
    from .models import Operator

    _start(ctx)
    for op in Operator.select().order_by(Operator.username):
        click.echo(t("cli.operators_row", username=op.username, name=op.display_name, role=t(f"role.{op.role}"),
                     scope=op.scope.name, os_user=op.os_user or t("cli.none")))


_OS_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


@operator_group.command(name="link", help="把系统用户绑定到操作员（SSH 登录免密，auth.mode = \"os_user\"）")
@click.argument("username")
@click.argument("os_user", required=False)
@click.option("--remove", is_flag=True, help="解除该操作员的绑定")
@click.pass_context
def operator_link(ctx: click.Context, username: str, os_user: str | None, remove: bool) -> None:
    """Run by the server's administrator (who owns the accounts and the config); audited as the system."""
    from .db import database
    from .models import Operator

    _start(ctx)
    op = _lookup(username)
    if not remove:
        if not os_user or not _OS_USER.match(os_user):
            raise XinyiError("cli.link_bad_name", os_user=os_user or "")
        holder = Operator.get_or_none((Operator.os_user == os_user) & (Operator.id != op.id))
        if holder is not None:
            raise XinyiError("cli.link_taken", os_user=os_user, username=holder.username)
    before = {"os_user": op.os_user}
    with database.atomic():
        Operator.update(os_user=None if remove else os_user).where(Operator.id == op.id).execute()
        audit_mod.record(None, "operator.link", op, before=before, after={"os_user": None if remove else os_user})
    click.echo(t("cli.unlink_done", username=username) if remove
               else t("cli.link_done", os_user=os_user, username=username, name=op.display_name))


@operator_group.command(name="unlock", help="提前解除操作员账户的登录锁定（记入审计）")
@click.argument("username")
@click.pass_context
def operator_unlock(ctx: click.Context, username: str) -> None:
    from . import auth

    _start(ctx)
    op = auth.unlock(None, _lookup(username).id)
    click.echo(t("auth.unlocked", name=op.display_name, username=op.username))


@cli.command(help="查看审计记录（范围与权限同界面：镇里只看本镇）")
@click.option("--person", help="协理员身份证号或编号")
@click.option("--by", "by", help="只看该操作员（用户名）的记录")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="起始日期 YYYY-MM-DD")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="截止日期 YYYY-MM-DD")
@click.option("--limit", default=200, show_default=True)
@click.option("--operator", "username", help=OPERATOR_HELP)
@click.pass_context
def audit(ctx: click.Context, person: str | None, by: str | None, since: dt.datetime | None,
          until: dt.datetime | None, limit: int, username: str | None) -> None:
    from . import audit as audit_mod
    from .models import Person

    _start(ctx)
    viewer = _operator(username)  # scoped like every other read: a town head sees her town's rows
    person_id = None
    if person:
        found = Person.get_or_none((Person.id_number == person.upper()) |
                                   (Person.id == (int(person) if person.isdigit() and len(person) < 10 else -1)))
        if found is None:
            raise XinyiError("person.not_found")
        person_id = found.id
    rows = audit_mod.query(person_id=person_id, operator=by, since=since.date() if since else None,
                           until=until.date() if until else None, limit=limit, viewer=viewer)
    for row in rows:
        mark = "" if row.allowed else t("cli.audit_refused")
        click.echo(f"{row.at:%Y-%m-%d %H:%M:%S}  {row.operator_name:<8} {row.action:<20} "
                   f"{row.object_type}#{row.object_id or ''} {mark}{row.note}")
        if row.before or row.after:  # ID numbers and phones masked, as on every list
            click.echo(f"    {mask_fields(row.before) or {}} → {mask_fields(row.after) or {}}")


@cli.command(help="检查部署：文件权限、解释器、sshd、Redis、数据库、日历，用中文说明问题")
@click.option("--sshd-config", type=click.Path(dir_okay=False), help="要检查的 sshd 配置文件（默认系统的）")
@click.pass_context
def doctor(ctx: click.Context, sshd_config: str | None) -> None:
    from . import doctor as doctor_mod

    findings = doctor_mod.run(ctx.obj["config"], sshd_config=sshd_config)
    for finding in findings:
        click.echo(finding.line())
    problems = sum(1 for f in findings if f.ok is False)
    click.echo(t("doctor.summary_bad", count=problems) if problems else t("doctor.summary_ok"))
    ctx.exit(1 if problems else 0)


@cli.command(help="在浏览器中使用本系统：每个浏览器标签页一个独立会话，须用户名和密码登录")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址（默认只接受本机连接；对外请放在 nginx 等 HTTPS 反向代理之后）")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="监听端口")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    # The database is created or upgraded here, once, not by the first sessions racing each other.
    runtime = _start(ctx)
    cfg = runtime.config
    rt_mod.shutdown()  # the server itself reads nothing: each browser session opens its own connection
    try:
        from . import serve as serve_mod
    except ImportError:
        click.echo(t("cli.no_serve"), err=True)
        ctx.exit(1)
    serve_mod.serve(host=host, port=port, max_sessions=cfg.serve_max_sessions, idle_minutes=cfg.idle_logout_minutes)


@cli.command(name="web-session", hidden=True)
@click.pass_context
def web_session(ctx: click.Context) -> None:
    """One browser tab's app, started by ``xinyi serve`` (Textual's web driver on stdin/stdout)."""
    from .serve import in_browser_session

    if not in_browser_session():
        click.echo(t("serve.no_browser_session"), err=True)
        ctx.exit(2)
    _start(ctx, warn=False)
    from .tui.app import run_in_browser

    run_in_browser()


@cli.command(help="在线备份 SQLite 数据库")
@click.argument("dest", required=False, type=click.Path(dir_okay=False))
@click.pass_context
def backup(ctx: click.Context, dest: str | None) -> None:
    from . import clock, db

    runtime = _start(ctx)
    if not db.is_sqlite():
        raise XinyiError("cli.backup_sqlite_only")
    target = Path(dest) if dest else runtime.config.data_dir / "backups" / f"xinyi-{clock.now():%Y%m%d-%H%M%S}.db"
    click.echo(t("cli.backup_done", path=str(db.backup_sqlite(target))))


@cli.command(help="从备份恢复 SQLite 数据库（先检查备份；须先退出所有操作员界面和后台任务）")
@click.argument("file")  # a folder or a missing file: restore says so in Chinese
@click.pass_context
def restore(ctx: click.Context, file: str) -> None:
    from . import clock, config as config_mod, db, files
    from .plugins import Plugins

    cfg = config_mod.load(ctx.obj["config"])  # no bootstrap: this process must not hold the database itself
    if not cfg.database_url.startswith("sqlite:///"):
        raise XinyiError("cli.restore_sqlite_only")
    _require_system(cfg, "restore")
    files.apply(cfg)
    clock.set_timezone(cfg.timezone)
    plugins = Plugins()
    plugins.load_entry_points()  # their migrations say which versions this install knows
    for failure in plugins.failures:
        click.echo(t("cli.warning", message=t("plugins.failed", name=failure.name, error=failure.error)), err=True)
    target = Path(cfg.database_url[len("sqlite:///"):])
    stamp, n = f"{clock.now():%Y%m%d-%H%M%S}", 1
    safety = cfg.data_dir / "backups" / f"xinyi-before-restore-{stamp}.db"
    while safety.exists():  # never over an earlier safety copy
        n += 1
        safety = safety.with_name(f"xinyi-before-restore-{stamp}-{n}.db")
    kept = db.restore_sqlite(Path(file), target, plugins.migrations(), safety)
    click.echo(t("cli.restore_done", path=str(target)))
    if kept is not None:
        click.echo(t("cli.restore_kept", path=str(kept)))


from .jobs.commands import add_commands as _add_job_commands  # noqa: E402

_add_job_commands(cli)  # worker, scheduler, jobs, report

from .plugin_commands import add_commands as _add_plugin_commands  # noqa: E402

_add_plugin_commands(cli)  # plugin docs, plugin new


def _core_command(argv: list[str]) -> bool:
    """Whether ``argv`` names one of the core's own commands (``xinyi report …``, ``xinyi worker``).

    Only then may the plugins' commands be left out of the group: ``xinyi``, ``xinyi --help`` and
    a plugin's command need them, but loading every plugin and importing its CLI for a core
    command is start-up time each cold ``xinyi report`` paid (issue 21).
    """
    args = iter(argv)
    for arg in args:
        if arg == "--config":
            next(args, None)  # its value
        elif arg.startswith("-"):  # --config=…, -v, --verbose; --help lists the plugins' commands too
            if arg in ("--help", "-h"):
                return False
        else:
            return arg in cli.commands
    return False


def main() -> None:
    # Plugins add their subcommands before click parses the command line.
    if not _core_command(sys.argv[1:]):
        try:
            from .plugins import Plugins

            extra = Plugins()
            extra.load_entry_points()
            extra.hook.xinyi_cli(cli=cli)
        except Exception:  # a broken plugin's CLI must not break the core commands
            pass
    cli(prog_name="xinyi")


if __name__ == "__main__":
    sys.exit(main())
