"""Who runs an in-process job: ``host:started:pid`` of the process that accepted it.

Without Redis a job lives in the memory of the process that accepted it. If
that process ends mid-job, the job must be run again by another process on
the same machine — but only if the owner has really ended: the pid alone is
not enough after a reboot or a long uptime, when the number may belong to
an unrelated process, so the owner also records when its process started
(``/proc/<pid>/stat``, field 22). Kept apart from ``broker`` so that the app
can look for orphans at start-up without importing dramatiq.
"""
from __future__ import annotations

import os
import socket
from functools import lru_cache


def _started(pid: int) -> str:
    """The process's start time in clock ticks since boot, or "" where /proc can't say."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) "; comm may contain spaces
    return fields[19] if len(fields) > 19 else ""  # field 22 of the whole line


@lru_cache(maxsize=None)
def _me(pid: int) -> str:
    return f"{socket.gethostname()}:{_started(pid)}:{pid}"


def this_process() -> str:
    return _me(os.getpid())


def host_prefix() -> str:
    return socket.gethostname() + ":"


def ended(owner: str) -> bool:
    """True if ``owner`` (a process on this machine) no longer runs.

    Accepts the older ``host:pid`` form, judged by the pid alone.
    """
    rest = owner[len(host_prefix()):] if owner.startswith(host_prefix()) else ""
    started, _, pid_text = rest.rpartition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False  # not an owner this machine can judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, someone else's
    return bool(started) and _started(pid) not in ("", started)  # the pid now belongs to another process
