"""Documents to paper: PDF conversion with LibreOffice and printing through CUPS.

Every form and report is written as .docx or .xlsx; this module turns one into a
PDF beside it (:func:`to_pdf`) and sends a PDF to a CUPS queue with the standard
``lp`` client (:func:`print_file`). Both are slow, so screens submit them as
the ``core.print`` / ``core.pdf`` jobs (:mod:`xinyi_core.jobs.specs`).

The converter is LibreOffice headless. Its user profile is private to xinyi
(``<data_dir>/soffice/profile``) and one conversion runs at a time on a machine
(a file lock beside the profile), so two jobs never race on the profile; a
conversion that hangs is killed after ``[print] convert_timeout_s``. The forms
name the Chinese office fonts (宋体, 仿宋, 黑体, 楷体); :data:`FONT_ALIASES` map
them to the Noto CJK fonts a Linux server has (Debian's ``fonts-noto-cjk``) so the
printed page matches the screen.

Whatever is missing — LibreOffice, the CUPS client, a running CUPS, the town's
queue — is a :class:`PrintError` whose Chinese message names what to install or
configure; the document itself is never touched.
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from . import files
from .errors import XinyiError
from .i18n import t
from .state import runtime

CONVERTIBLE = (".docx", ".xlsx", ".doc", ".xls", ".odt", ".ods")

# The office fonts the forms name → the CJK fonts of a Linux server (fonts-noto-cjk).
_SERIF, _SANS = "Noto Serif CJK SC", "Noto Sans CJK SC"
FONT_ALIASES: dict[str, str] = {
    "宋体": _SERIF, "SimSun": _SERIF, "新宋体": _SERIF, "NSimSun": _SERIF, "方正小标宋简体": _SERIF,
    "仿宋": _SERIF, "FangSong": _SERIF, "仿宋_GB2312": _SERIF, "楷体": _SERIF, "KaiTi": _SERIF,
    "楷体_GB2312": _SERIF,
    "黑体": _SANS, "SimHei": _SANS, "微软雅黑": _SANS, "Microsoft YaHei": _SANS, "等线": _SANS, "DengXian": _SANS,
}


class PrintError(XinyiError):
    """Converting or printing cannot be done here: the message says what to install or configure."""

    key = "print.error.generic"


# --------------------------------------------------------------------------- converting

def soffice() -> str:
    """The LibreOffice program, or :class:`PrintError` naming the package to install."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise PrintError("print.error.no_soffice")


def _work_dir() -> Path:
    return files.make_dir(Path(runtime().config.data_dir) / "soffice")  # the group's, like the data


def fontconfig_file() -> Path:
    """A fontconfig file: the system's configuration plus :data:`FONT_ALIASES`."""
    aliases = "".join(f'  <alias binding="same"><family>{name}</family><prefer><family>{target}</family>'
                      f'</prefer></alias>\n' for name, target in FONT_ALIASES.items())
    text = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n' + aliases + '</fontconfig>\n')
    path = _work_dir() / "fonts.conf"
    if not path.exists() or path.read_text("utf-8") != text:
        path.write_text(text, "utf-8")
    return path


def pdf_path(src: Path) -> Path:
    """Where the PDF of ``src`` goes: beside it, same name."""
    return Path(src).with_suffix(".pdf")


def to_pdf(src: Path | str, *, timeout_s: int | None = None) -> Path:
    """Convert ``src`` (.docx/.xlsx) to a PDF beside it and return the PDF's path.

    A PDF is returned as it is. Serialised machine-wide; a conversion running
    longer than ``timeout_s`` (default ``[print] convert_timeout_s``) is killed
    and reported. The PDF appears whole or not at all.
    """
    src = Path(src)
    if src.suffix.lower() == ".pdf":
        return src
    if not src.is_file():
        raise PrintError("print.error.no_file", name=src.name)
    if src.suffix.lower() not in CONVERTIBLE:
        raise PrintError("print.error.not_convertible", name=src.name)
    program = soffice()
    timeout_s = timeout_s or runtime().config.convert_timeout_s
    work = _work_dir()
    env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file()), "HOME": str(work)}
    target = pdf_path(src)
    with open(work / "lock", "a") as lock, tempfile.TemporaryDirectory(dir=work) as out:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one conversion at a time: LibreOffice's profile is not shared
        cmd = [program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf", "--outdir", out, str(src)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise PrintError("print.error.timeout", name=src.name, seconds=timeout_s) from None
        made = Path(out) / (src.stem + ".pdf")
        if proc.returncode != 0 or not made.is_file() or made.stat().st_size == 0:
            detail = output.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise PrintError("print.error.convert_failed", name=src.name, detail=detail[0][:120])
        files.secure(made)
        os.replace(made, target)
    return target


# --------------------------------------------------------------------------- printing

_REQUEST = re.compile(r"request id is (\S+)")


def _run(cmd: list[str], timeout: int = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "LC_ALL": "C", "LANG": "C"})


def check_printer(queue: str) -> None:
    """Refuse, in Chinese, when ``queue`` cannot take a job now: no client, CUPS stopped, no such queue."""
    if not (shutil.which("lp") and shutil.which("lpstat")):  # first: a demo machine without CUPS says what to install
        raise PrintError("print.error.no_client")
    if not queue:
        raise PrintError("print.error.no_printer_configured")
    if "is running" not in _run(["lpstat", "-r"]).stdout:
        raise PrintError("print.error.cups_stopped")
    if _run(["lpstat", "-p", queue]).returncode != 0:
        raise PrintError("print.error.no_queue", queue=queue)


def print_file(path: Path | str, queue: str, title: str | None = None, copies: int = 1) -> str:
    """Send ``path`` to the CUPS ``queue`` (converted to PDF first); return CUPS's request id."""
    check_printer(queue)
    pdf = to_pdf(path)
    cmd = ["lp", "-d", queue, "-n", str(max(1, copies)), "-t", title or pdf.stem, "--", str(pdf)]
    done = _run(cmd)
    found = _REQUEST.search(done.stdout)
    if done.returncode != 0 or not found:
        raise PrintError("print.error.lp_failed", queue=queue, detail=(done.stderr or done.stdout).strip()[:120])
    return found.group(1)


def printer_for(town_code: str | None) -> str:
    """The CUPS queue of ``town_code``'s documents (``towns.toml`` printer, else ``[print] printer``)."""
    return runtime().config.printer_for(town_code)


# --------------------------------------------------------------------------- the jobs

def document(path: str | Path) -> Path:
    """``path`` as a document xinyi wrote (under the report folder), else :class:`PrintError`.

    A job's path comes from a screen, but a job may be submitted from the
    command line too: nothing outside the documents is ever printed or converted.
    """
    resolved = Path(path).resolve()
    base = Path(runtime().config.report_dir).resolve()
    if not resolved.is_relative_to(base):
        raise PrintError("print.error.no_file", name=Path(path).name)
    if not resolved.is_file():
        raise PrintError("print.error.no_file", name=resolved.name)
    return resolved


def pdf_job(job: Any, path: str, town: str | None = None) -> list[Path]:
    """``core.pdf``: the PDF of one document, beside it."""
    src = document(path)
    job.progress(0.1, t("print.job.converting"), force=True)
    pdf = to_pdf(src)
    job.progress(1.0, t("print.job.made"), force=True)
    job.finish(t("print.job.made"))
    return [pdf]


def print_job(job: Any, path: str, town: str | None = None, copies: int = 1) -> list[Path]:
    """``core.print``: one document to the town's printer (as PDF, which stays beside it)."""
    src = document(path)
    queue = printer_for(town)
    check_printer(queue)  # before a slow conversion: say at once what is missing
    job.progress(0.1, t("print.job.converting"), force=True)
    pdf = to_pdf(src)
    job.progress(0.8, t("print.job.sending", queue=queue), force=True)
    request = print_file(pdf, queue, title=src.stem, copies=copies)
    job.progress(1.0, t("print.job.sent", queue=queue, request=request), force=True)
    job.finish(t("print.job.sent", queue=queue, request=request))
    return [pdf]


def core_actors() -> tuple[Any, ...]:
    from .jobs.api import ActorSpec

    return (ActorSpec("core.print", print_job, "print.job.print", permission="documents.print", max_retries=0,
                      time_limit_s=600),
            ActorSpec("core.pdf", pdf_job, "print.job.pdf", permission="documents.pdf", max_retries=0,
                      time_limit_s=600))
