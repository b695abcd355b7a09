"""A document reaches paper or the operator's PC: ``p 打印``, ``d 下载``, ``f PDF``.

Every screen that writes a document offers it through
:meth:`XinyiScreen.offer_document <xinyi_core.tui.screens.base.XinyiScreen.offer_document>`:
the :class:`DocumentDialog` over the screen names the file as people name it
(never a server path) and takes one key. The job panel uses the same actions on
a job's output files and on the operator's outbox (:mod:`xinyi_core.outbox`).

- ``p`` sends the document to the town's printer as the ``core.print`` job
  (progress in the job panel). What is missing — no printer set for the town,
  CUPS stopped, no LibreOffice to convert a .docx — is said at once in Chinese,
  before anything is queued; the document stays where it is.
- ``d`` hands the terminal to ``sz`` (ZMODEM, :mod:`xinyi_core.download`): the
  app suspends itself (``App.suspend``), her SSH client (Xshell, SecureCRT,
  MobaXterm) receives the file, and the same screen comes back with a notice.
  No shell and no other command: the program is fixed, Ctrl+C and Ctrl+Z do
  nothing meanwhile, and a client without ZMODEM is told about the SFTP outbox.
- In a browser session (``xinyi serve``) ``d`` hands the file to the browser instead
  (Textual's ``deliver_binary``), which saves it under the same name in her downloads.
- ``f`` makes the PDF beside the document (the ``core.pdf`` job).
"""
from __future__ import annotations

import os
import select
import signal
import sys
import termios
import time
import tty
from pathlib import Path
from typing import Any, ClassVar, Iterable, Sequence

from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ... import printing
from ...errors import XinyiError
from ...i18n import t
from ..widgets import Column, ListSource, RecordList
from ..widgets.key_bar import KeyBar
from .base import XinyiScreen


def _name(path: str | Path) -> str:
    return Path(str(path)).name


def is_pdf(path: str | Path) -> bool:
    return Path(str(path)).suffix.lower() == ".pdf"


def may(screen: Screen, permission: str) -> bool:
    return permission in getattr(screen.app, "permissions", set())


# --------------------------------------------------------------------------- the three actions

def print_document(screen: XinyiScreen, path: str | Path) -> Any:
    """``p``: the document to the town's printer, as a job; what is missing is said before it is queued."""
    from ... import jobs

    def submit() -> Any:
        doc = printing.document(path)
        printing.check_printer(printing.printer_for(_town(screen)))
        if not is_pdf(doc):
            printing.soffice()  # a .docx/.xlsx is converted first
        return jobs.submit(screen.operator, "core.print", path=str(doc))

    return screen.attempt(submit, reload=False, done=t("tui.document.print_queued", name=_name(path)))


def pdf_document(screen: XinyiScreen, path: str | Path) -> Any:
    """``f``: the PDF beside the document, as a job (listed with the operator's files when made)."""
    from ... import jobs

    def submit() -> Any:
        doc = printing.document(path)
        printing.soffice()
        return jobs.submit(screen.operator, "core.pdf", path=str(doc))

    return screen.attempt(submit, reload=False, done=t("tui.document.pdf_queued", name=_name(path)))


def download_document(screen: XinyiScreen, path: str | Path) -> int | None:
    """``d``: the document to the operator's PC — over her SSH session (ZMODEM; sz's status), or to her
    browser in a ``xinyi serve`` session (0); None if not sent."""
    from ... import download

    name = _name(path)
    if getattr(screen.app, "browser", False):
        return _deliver(screen, path)
    try:
        doc = printing.document(path)
        download.sz()
    except XinyiError as exc:
        screen.report(exc)
        return None
    term_in, term_out = _terminal()
    try:
        with screen.app.suspend():
            status = _send(doc, term_in, term_out)
    except SuspendNotSupported:
        screen.notify(t("tui.document.no_terminal"), severity="error")
        return None
    from ...trail import record

    record(screen.operator, "documents.download", object_type="file",  # personal data leaving the server
           note=t("tui.document.audit_sent" if status == 0 else "tui.document.audit_not_received", name=name))
    if status == 0:
        screen.notify(t("tui.document.sent", name=name))
    else:
        screen.notify(t("tui.document.not_received", name=name), severity="warning", timeout=20)
    return status


def _deliver(screen: XinyiScreen, path: str | Path) -> int | None:
    """``d`` in a browser session: the file to the browser, under its own name (no ZMODEM, no suspend)."""
    from ...trail import record

    try:
        doc = printing.document(path)
    except XinyiError as exc:
        screen.report(exc)
        return None
    screen.app.deliver_binary(doc, save_filename=doc.name)
    record(screen.operator, "documents.download", object_type="file",  # personal data leaving the server
           note=t("tui.document.audit_delivered", name=doc.name))
    screen.notify(t("tui.document.delivered", name=doc.name))
    return 0


def _terminal() -> tuple[Any, Any]:
    """The operator's terminal: stdin, and whichever of stdout/stderr the app draws on (``xinyi 2>log``)."""
    out = sys.__stdout__ if sys.__stdout__ is not None and sys.__stdout__.isatty() else sys.__stderr__
    return sys.__stdin__, out


_HELD = (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP)


def _send(doc: Path, term_in: Any, term_out: Any) -> int:
    """With the app suspended: say what happens, run sz on the raw terminal, drop what the client sent after.

    Raw, as Xshell's ZMODEM expects a binary line: in the terminal's ordinary mode the tty would echo
    the client's answers back to it and turn CRs into newlines, and the transfer never ends cleanly.
    """
    from ... import download

    term_out.write("\r\n" + t("tui.document.sending", name=doc.name).replace("\n", "\r\n") + "\r\n")
    term_out.flush()
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in _HELD}  # no way out of the app meanwhile
    try:
        modes = termios.tcgetattr(term_in.fileno())
    except (termios.error, OSError, ValueError):
        modes = None
    try:
        if modes is not None:
            tty.setraw(term_in.fileno())
        status = download.send(doc, stdin=term_in, stdout=term_out)
    finally:
        if modes is not None:
            _drain(term_in, term_out)
            termios.tcsetattr(term_in.fileno(), termios.TCSADRAIN, modes)
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return status


ZFIN = b"\x18B08"  # the hex header a ZMODEM receiver ends with; the sender answers "OO" (over and out)


def _drain(term_in: Any, term_out: Any, quiet: float = 0.3, longest: float = 5.0) -> None:
    """End the client's side of the transfer and throw away what it still sends.

    ``sz`` may leave before it has said "OO" to the receiver's closing ZFIN (lrzsz does when the
    receiver repeats a header); the receiver then waits for it, takes the app's redrawn screen for
    its answer, and sends ZFIN again — binary bytes the app would read as key presses. So "OO" is
    said once more (a receiver that is done shows nothing: the app redraws over it), any further
    ZFIN is answered the same way, and everything else is read and dropped (the terminal is raw)
    until the line has been quiet for ``quiet`` seconds, at most ``longest``.
    """
    try:
        fd = term_in.fileno()
        term_out.write("OO")
        term_out.flush()
        deadline = time.monotonic() + longest
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], quiet)
            got = os.read(fd, 4096) if ready else b""
            if not got:
                break
            if ZFIN in got:
                term_out.write("OO")
                term_out.flush()
        termios.tcflush(fd, termios.TCIFLUSH)
    except (termios.error, OSError, ValueError):
        pass


def _town(screen: Screen) -> str | None:
    from ...auth import town_code_of

    return town_code_of(screen.app.operator)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the dialog

class FileChoice(RecordList):
    """The files to choose from: arrows move, the dialog's keys act (Enter opens nothing more)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", show=False)]


class DocumentDialog(XinyiScreen, ModalScreen[None]):
    """A document (or a job's files) over the screen: its name, and p 打印 · d 下载 · f PDF · Esc 关闭."""

    DEFAULT_CSS = """
    DocumentDialog { align: center middle; }
    DocumentDialog > #document-box { width: 64; height: auto; max-height: 18; border: round $accent;
                                     padding: 0 1; background: $surface; }
    DocumentDialog #document-title { text-style: bold; margin-bottom: 1; }
    DocumentDialog #document-name { text-style: bold; color: $accent; }
    DocumentDialog #document-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "print", t("tui.document.key_print")),
        Binding("d", "download", t("tui.document.key_download")),
        Binding("f", "pdf", t("tui.document.key_pdf")),
        Binding("escape", "back", t("tui.document.key_close")),
    ]

    def __init__(self, paths: Sequence[str | Path], title: str = "") -> None:
        super().__init__()
        self.paths = [Path(str(p)) for p in paths]
        self._title = title or t("tui.document.title")

    def compose(self) -> ComposeResult:
        with Vertical(id="document-box"):
            yield Static(self._title, id="document-title")
            if len(self.paths) == 1:
                yield Static(self.paths[0].name, id="document-name")
            else:
                files = FileChoice([Column(t("tui.document.col_file"), 0)],
                                   ListSource([(i, p.name) for i, p in enumerate(self.paths)]), id="document-files")
                files.styles.height = min(len(self.paths), 8) + 1
                yield files
            yield Static(self._hint(), id="document-hint")
        yield KeyBar()

    def compose_body(self) -> Iterable[Any]:
        return ()

    def on_mount(self) -> None:
        if len(self.paths) > 1:
            files = self.query_one("#document-files", RecordList)
            files.reload()
            files.focus()
        self.refresh_bindings()

    def _hint(self) -> str:
        lines = [t("tui.document.hint_pick")] if len(self.paths) > 1 else []
        lines.append(t("tui.document.hint_download_web" if getattr(self.app, "browser", False)
                       else "tui.document.hint_download"))
        return "\n".join(lines)

    def escape_label(self) -> str:
        return t("tui.document.key_close")

    @property
    def current(self) -> Path | None:
        """The file the keys act on: the one offered, or the highlighted one of several."""
        if len(self.paths) <= 1:
            return self.paths[0] if self.paths else None
        index = self.query_one("#document-files", RecordList).current_id if self.is_mounted else None
        return self.paths[index] if index is not None and 0 <= index < len(self.paths) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "print":
            return may(self, "documents.print")
        if action == "pdf":
            current = self.current
            return may(self, "documents.pdf") and current is not None and not is_pdf(current)
        return super().check_action(action, parameters)

    def on_record_list_highlighted(self, event: RecordList.Highlighted) -> None:
        self.refresh_bindings()  # f only for a file that is not a PDF yet

    def action_print(self) -> None:
        if self.current is not None and print_document(self, self.current):
            self.dismiss(None)

    def action_pdf(self) -> None:
        if self.current is not None and pdf_document(self, self.current):
            self.dismiss(None)

    def action_download(self) -> None:
        if self.current is not None:
            download_document(self, self.current)  # the dialog stays: another file, or print it too

    def action_back(self) -> None:
        self.dismiss(None)
