"""Files to the operator's own PC over the SSH session she is already in: ZMODEM.

Xshell, SecureCRT and MobaXterm receive a ZMODEM transfer by themselves: the
program only has to write it to the terminal. :func:`send` runs ``sz`` (lrzsz)
on the terminal the app was started on — no shell, no other command: the
program is fixed, its argument is one document xinyi wrote (see
:func:`xinyi_core.printing.document`). The TUI suspends itself around it
(``App.suspend``) and comes back to the same screen.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .printing import PrintError, document

SZ_TIMEOUT_S = 600  # a client that never answers must not hold the session for ever


def sz() -> str:
    found = shutil.which("sz")
    if not found:
        raise PrintError("download.error.no_sz")
    return found


def command(path: Path) -> list[str]:
    """The ``sz`` command line for ``path``: binary, control characters escaped (SSH clients differ)."""
    return [sz(), "--binary", "--escape", "--", str(path)]


def send(path: str | Path, *, stdin: object = None, stdout: object = None) -> int:
    """Send one document by ZMODEM on the terminal (or the given streams); sz's exit status.

    0 means the client took the file; anything else (the client has no ZMODEM,
    the operator cancelled with Ctrl+X) leaves nothing half-written on her PC
    that she would mistake for the document.
    """
    doc = document(path)
    try:
        return subprocess.run(command(doc), stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL,
                              timeout=SZ_TIMEOUT_S).returncode
    except subprocess.TimeoutExpired:
        return 124
