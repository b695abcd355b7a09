"""Each operator's outbox: the files she made, under the names people give them.

What she made is read from the job records: every finished job she asked for
with output files (reports, PDFs, prints), and every document a screen wrote
for her (a leave slip, 附件5, a log book page), which :func:`record` writes down
as a finished job of kind :data:`KIND` — so the job panel lists them all in one
place, and ``p 打印`` / ``d 下载`` work on each.

For operators whose SSH client has no ZMODEM, each file is also copied into
her own folder, ``<outbox_dir>/<account>/files/`` (``[paths] outbox_dir``,
default ``<data_dir>/outbox``; the account is her OS account when she has one,
else her operator name), mode 0600, which an SFTP login chrooted to
``<outbox_dir>/<account>`` serves and nothing else (docs/deploy-ssh.md, step 11).
Copies, not hard links: a link shares the report's owner and mode, and the
report stays readable to the town's other operators.

The copy is made by her own process only (the app, or the in-process queue
running her job): a worker of another OS account could neither write into her
folder nor leave her a file she could read. Her session brings the folder up
to date whenever the job panel reads her jobs (:func:`sync`).
"""
from __future__ import annotations

import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from . import clock
from .i18n import t
from .models import Operator
from .state import runtime

log = logging.getLogger(__name__)

KIND = "core.document"  # a document a screen wrote for the operator, recorded as a finished job
FILES = "files"  # the folder inside her outbox that holds the copies (the chroot's own folder is root's)


@dataclass(frozen=True)
class OutboxFile:
    """One file the operator made: where it is on the server, its name, the job it came from."""

    path: Path
    job_id: int
    title: str  # the job's title
    made_at: datetime | None

    @property
    def name(self) -> str:
        return self.path.name


def root() -> Path:
    cfg = runtime().config
    return Path(cfg.outbox_dir) if getattr(cfg, "outbox_dir", None) else Path(cfg.data_dir) / "outbox"


def account(operator: Operator) -> str:
    """Her outbox's folder name: the OS account (what sshd's ``%u`` is), else the operator name."""
    name = (operator.os_user or operator.username or "").strip()
    if not name or "/" in name or "\0" in name or name in (".", "..") or name.startswith("."):
        return f"operator-{operator.id}"
    return name


def folder(operator: Operator, *, create: bool = True) -> Path:
    """``<outbox_dir>/<account>/files``, made (0700) when missing and ``create``."""
    files = root() / account(operator) / FILES
    if create and not files.is_dir():
        from .files import make_dir

        make_dir(root())  # the deployment's modes (files.py); hers below are hers alone
        files.parent.mkdir(mode=0o700, exist_ok=True)
        files.mkdir(mode=0o700, exist_ok=True)
    return files


def _mine(operator: Operator) -> bool:
    """Whether this process acts as ``operator``'s OS account (always, without OS accounts)."""
    if runtime().config.auth_mode != "os_user":
        return True
    from .files import os_account  # the uid's name, never $USER

    return bool(operator.os_user) and operator.os_user == os_account()


def place(operator: Operator, path: str | os.PathLike[str]) -> Path | None:
    """Copy ``path`` into her outbox folder (0600, same name); the copy, or None if it cannot be made.

    A copy that is already there with the same size and time is left alone; a newer
    version of the document (printed again, a report run again) replaces it.
    """
    src = Path(path)
    if not _mine(operator):
        return None
    try:
        st = src.stat()
        dest = folder(operator) / src.name
        try:
            have = dest.stat()
            if (have.st_uid == os.geteuid() and have.st_size == st.st_size
                    and have.st_mtime_ns == st.st_mtime_ns):
                return dest
        except FileNotFoundError:
            pass
        tmp = dest.with_name(f".{src.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")  # threads too
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # whatever the umask or a stale temporary file had
            with os.fdopen(fd, "wb") as out, open(src, "rb") as data:
                shutil.copyfileobj(data, out, 1 << 20)
            os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        return dest
    except OSError as exc:
        log.warning("could not copy %s into the outbox of %s: %s", src.name, account(operator), exc)
        return None


def record(operator: Operator, path: str | os.PathLike[str]) -> Path | None:
    """A document a screen wrote for ``operator``: in her outbox (a finished job) and copied to her folder.

    The same document written again (the same slip printed twice) keeps one record, moved to the top.
    """
    from .auth import town_code_of
    from .jobs.models import JobRecord

    path = Path(path)
    now = clock.now()
    outputs = [str(path)]
    mine = (JobRecord.select().where((JobRecord.kind == KIND) & (JobRecord.requested_by_id == operator.id))
            .order_by(JobRecord.id.desc()).limit(200))
    same = next((r for r in mine if list(r.outputs or []) == outputs), None)
    if same is not None:
        JobRecord.update(created_at=now, finished_at=now).where(JobRecord.id == same.id).execute()
    else:
        JobRecord.create(kind=KIND, title=t("outbox.title", name=path.name)[:200], params={"path": str(path)},
                         requested_by_id=operator.id, town_code=town_code_of(operator), state="done",
                         progress=1.0, message=t("outbox.made"), outputs=outputs, created_at=now,
                         started_at=now, finished_at=now)
    return place(operator, path)


def files(operator: Operator, limit: int = 100) -> list[OutboxFile]:
    """The files ``operator`` made that are still there, newest first, each once (its latest job)."""
    from .jobs.models import JobRecord

    jobs = (JobRecord.select().where((JobRecord.requested_by_id == operator.id) & (JobRecord.state == "done"))
            .order_by(JobRecord.finished_at.desc(), JobRecord.id.desc()).limit(limit))
    found: dict[str, OutboxFile] = {}
    for job in jobs:
        for out in job.outputs or ():
            key = os.path.normpath(str(out))
            if key not in found and Path(key).is_file():
                found[key] = OutboxFile(Path(key), job.id, job.title, job.finished_at or job.created_at)
    return list(found.values())


def sync(operator: Operator) -> int:
    """Copy into her folder what is missing or older there; how many copies are in place."""
    if not _mine(operator):
        return 0
    return sum(1 for f in files(operator) if place(operator, f.path) is not None)


def place_job(job_id: int, outputs: list[str]) -> None:
    """A finished job's output files into the outbox of the operator who asked (when this process is hers)."""
    from .jobs.models import JobRecord

    job = JobRecord.select(JobRecord.requested_by_id).where(JobRecord.id == job_id).first()
    operator = Operator.get_or_none(Operator.id == job.requested_by_id) if job and job.requested_by_id else None
    if operator is not None:
        for out in outputs:
            place(operator, out)


def display_name(path: str | os.PathLike[str]) -> str:
    """What an operator reads of a server path: the file's name alone."""
    return PurePath(str(path)).name
