"""CLI commands for the queue: ``worker``, ``scheduler``, ``jobs`` and ``report``.

Module-level click commands, attached to the ``xinyi`` group by
:func:`add_commands`. They start the runtime and look up ``--operator`` with
the group's own functions, which its callback leaves in the context
(``ctx.obj["start"]``, ``ctx.obj["operator"]``): this module cannot import
:mod:`xinyi_core.cli`, which imports it. dramatiq (the broker) and
apscheduler are imported by the commands that run them, so that the other
commands — and ``xinyi --help`` — do not pay for them.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from .. import lifecycle
from ..errors import XinyiError
from ..i18n import t
from ..models import Operator
from . import RESEND_SECONDS, QueueUnavailable, _prepare, get, recent, retry, send_kept, submit
from .models import JobRecord
from .specs import JobContext, ReportSpec, lookup


def add_commands(cli: click.Group) -> None:
    """Attach the queue commands to the ``xinyi`` group."""
    for command in (worker, scheduler, jobs_group, report):
        cli.add_command(command)


def _start(ctx: click.Context) -> lifecycle.Runtime:
    """Start the runtime the way every ``xinyi`` command does (warnings printed)."""
    return ctx.obj["start"](ctx)


def _operator(ctx: click.Context, username: str | None) -> Operator:
    """The operator the command acts as: the OS account's linked one, or ``--operator`` for root and
    the service account (``xinyi_core.cli._operator``); refused in Chinese otherwise."""
    return ctx.obj["operator"](username)


OPERATOR_HELP = "以该操作员身份（检查权限并记入审计；只有 root 或服务账户可以指定，其他系统用户即其绑定的操作员）"


# --------------------------------------------------------------------------- worker and scheduler

@click.command(help="启动后台任务 worker（需配置 Redis）")
@click.option("--processes", "-p", default=1, show_default=True, help="进程数")
@click.option("--threads", "-t", default=8, show_default=True, help="每个进程的线程数")
@click.pass_context
def worker(ctx: click.Context, processes: int, threads: int) -> None:
    from . import broker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(levelname)s %(name)s %(message)s", force=True)
    runtime = _start(ctx)
    if not runtime.config.redis_url:
        raise XinyiError("jobs.worker_needs_redis")
    click.echo(t("jobs.cli.worker_started", processes=processes, threads=threads, url=runtime.config.redis_url))
    if processes > 1:
        _supervise(ctx.obj["config"], processes, threads)
        return
    done = _stop_on_signal()
    broker.start(worker_threads=threads)
    try:
        _send_kept_until(done)
    finally:
        broker.stop()


@click.command(help="启动定时任务（按计划自动生成报表等）")
@click.pass_context
def scheduler(ctx: click.Context) -> None:
    from . import broker
    from .scheduler import Scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", force=True)
    runtime = _start(ctx)
    broker.start()  # without Redis: this process runs the jobs, and picks up those a closed app left
    sched = Scheduler()
    done = _stop_on_signal()
    sched.start()
    click.echo(t("jobs.cli.scheduler_started", tz=runtime.config.timezone))
    for name, when in sched.next_runs():
        click.echo(t("jobs.cli.scheduler_next", name=name, when=_fmt(when)))
    try:
        _send_kept_until(done)
    finally:
        sched.stop()
        lifecycle.shutdown()  # without Redis, lets this process's running jobs finish


def _stop_on_signal() -> threading.Event:
    """An event set by SIGTERM or SIGINT: a service command's signal to stop."""
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    return done


def _send_kept_until(done: threading.Event) -> None:
    """Until ``done``: jobs kept while Redis was down go out when it is back."""
    while True:
        send_kept()
        if done.wait(RESEND_SECONDS):
            break


def _supervise(config_path: str | None, processes: int, threads: int) -> None:
    """Run ``processes`` single-process workers and pass SIGTERM/SIGINT on to them."""
    cmd = [sys.executable, "-m", "xinyi_core.cli"] + (["--config", config_path] if config_path else [])
    cmd += ["worker", "--processes", "1", "--threads", str(threads)]
    children = [subprocess.Popen(cmd, env=os.environ.copy()) for _ in range(processes)]

    def forward(signum: int, _frame: Any) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [child.wait() for child in children]
    if any(codes):
        sys.exit(max(codes))


# --------------------------------------------------------------------------- jobs

@click.group(name="jobs", help="查看和重试后台任务")
def jobs_group() -> None:
    pass


@jobs_group.command(name="list", help="列出最近的任务")
@click.option("--operator", "username", help=OPERATOR_HELP)
@click.option("--limit", default=30, show_default=True)
@click.pass_context
def jobs_list(ctx: click.Context, username: str | None, limit: int) -> None:
    _start(ctx)
    rows = recent(_operator(ctx, username), limit)  # what that operator may see, like the job panel
    for job in rows:
        _print_job(job)
    if not rows:
        click.echo(t("jobs.cli.none"))


@jobs_group.command(name="show", help="查看一个任务")
@click.argument("job_id", type=int)
@click.option("--operator", "username", help=OPERATOR_HELP)
@click.pass_context
def jobs_show(ctx: click.Context, job_id: int, username: str | None) -> None:
    _start(ctx)
    _print_job(get(_operator(ctx, username), job_id), detail=True)


@jobs_group.command(name="retry", help="重新运行失败的任务")
@click.argument("job_id", type=int)
@click.option("--operator", "username", help=OPERATOR_HELP)
@click.pass_context
def jobs_retry(ctx: click.Context, job_id: int, username: str | None) -> None:
    _start(ctx)
    _finish_or_keep(lambda: retry(_operator(ctx, username), job_id))


# --------------------------------------------------------------------------- report

@click.command(help="生成报表：立即生成，或 --enqueue 交给后台任务")
@click.argument("name")
@click.option("--period", help="期间，如 2026-11（月）、2026-Q4（季）、2026（年）")
@click.option("--town", help="镇（街道）编码；不填为全市")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="输出目录（默认配置中的报表目录）")
@click.option("--enqueue", is_flag=True, help="交给后台任务队列，立即返回")
@click.option("--operator", "username", help=OPERATOR_HELP)
@click.pass_context
def report(ctx: click.Context, name: str, period: str | None, town: str | None, out_dir: str | None,
           enqueue: bool, username: str | None) -> None:
    _start(ctx)
    op = _operator(ctx, username)
    if enqueue:
        _finish_or_keep(lambda: submit(op, name, period=period, town=town))
        return
    params, _, _ = _prepare(op, name, {"period": period, "town": town})
    spec = lookup(name)
    if not isinstance(spec, ReportSpec):
        raise XinyiError("jobs.unknown_kind", kind=name)
    from .. import reports  # the document writers: only for the command that writes one

    for path in reports.run(spec, params, JobContext(None), out_dir=Path(out_dir) if out_dir else None):
        click.echo(t("jobs.cli.written", path=str(path)))


# --------------------------------------------------------------------------- output

def _fmt(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else "-"


def _print_job(job: JobRecord, *, detail: bool = False) -> None:
    state = t(f"jobs.state.{job.state}")
    click.echo(t("jobs.cli.row", id=job.id, created=_fmt(job.created_at), state=state,
                 progress=f"{job.progress:.0%}", title=job.title))
    if not detail:
        return
    who = Operator.get_or_none(Operator.id == job.requested_by_id) if job.requested_by_id else None
    click.echo("  " + t("jobs.cli.detail_kind", kind=job.kind))
    click.echo("  " + t("jobs.cli.detail_params", params=job.params))
    click.echo("  " + t("jobs.cli.detail_requested", who=who.display_name if who else t("jobs.cli.system")))
    click.echo("  " + t("jobs.cli.detail_times", created=_fmt(job.created_at), started=_fmt(job.started_at),
                        finished=_fmt(job.finished_at), attempts=job.attempts))
    click.echo("  " + t("jobs.cli.detail_message", progress=f"{job.progress:.0%}", message=job.message))
    if job.error:
        click.echo("  " + t("jobs.cli.detail_error", error=job.error))
    for path in job.outputs:
        click.echo("  " + t("jobs.cli.detail_output", path=path))


def _finish_or_keep(send: Any) -> None:
    """Submit or retry a job. With the queue unreachable the job is kept and sent when it is back:
    not an error — one Chinese line, exit code 0 (the English detail is logged, shown with ``--verbose``)."""
    try:
        job = send()
    except QueueUnavailable as kept:
        click.echo(str(kept))
        return
    _finish(job)


def _finish(job: JobRecord) -> None:
    """Print the submitted job; without Redis, run it to the end here."""
    from . import broker

    click.echo(t("jobs.cli.submitted", id=job.id, title=job.title, state=t(f"jobs.state.{job.state}")))
    if broker.in_process():
        click.echo(t("jobs.cli.waiting"))
        job = _wait(job.id)
        if job.state == "failed":
            raise XinyiError("jobs.cli.failed", id=job.id, error=job.error)
        for path in job.outputs:
            click.echo(t("jobs.cli.written", path=path))


def _wait(job_id: int) -> JobRecord:
    """Block until an in-process job ends (the CLI process is its only worker)."""
    while True:
        job = JobRecord.get_by_id(job_id)
        if not job.active:
            return job
        time.sleep(0.1)
