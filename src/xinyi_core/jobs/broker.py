"""The queue: dramatiq on Redis when ``queue.redis_url`` is set, else in-process.

In-process means a :class:`dramatiq.brokers.stub.StubBroker` plus a dramatiq
:class:`~dramatiq.Worker` with a few threads inside this process — the same
actors and middleware, no server. It starts lazily on the first job and stops
at :func:`xinyi_core.lifecycle.shutdown`.

Tunables come from the environment (defaults suit production):

``XINYI_QUEUE_NAMESPACE`` Redis key prefix (default ``xinyi``) — one per deployment.
``XINYI_QUEUE_HEARTBEAT_MS`` how long a silent worker is presumed dead and its
unacknowledged jobs handed to another (default 60000).
``XINYI_QUEUE_MAINTENANCE`` chance per million Redis commands of running that
check (default 1000, dramatiq's).
``XINYI_JOB_RETRIES`` / ``XINYI_JOB_MIN_BACKOFF_MS`` / ``XINYI_JOB_MAX_BACKOFF_MS``
retries of a failing job and their exponential backoff (3, 15 s, 10 min).
``XINYI_WORKER_THREADS`` threads of the in-process worker (default 4).
``XINYI_QUEUE_REDIS_TIMEOUT_MS`` how long a Redis connect or command may take (default 3000).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name
from dramatiq.middleware import (AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications,
                                 TimeLimit)

from ..state import Runtime, runtime
from . import owner
from .models import ACTIVE_STATES, JobRecord
from .runner import JobState, actor_name, declare
from .specs import registry


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueSettings:
    namespace: str
    heartbeat_ms: int
    maintenance_chance: int
    max_retries: int
    min_backoff_ms: int
    max_backoff_ms: int
    threads: int
    redis_timeout_ms: int = 3_000

    @classmethod
    def from_config(cls) -> "QueueSettings":
        """``[queue]`` of the configuration, each value overridable by its environment variable
        (tests and one-off runs shorten heartbeats and backoffs that way)."""
        env = os.environ.get
        q = runtime().config.queue
        return cls(
            namespace=env("XINYI_QUEUE_NAMESPACE", q["namespace"]),
            heartbeat_ms=int(env("XINYI_QUEUE_HEARTBEAT_MS", q["heartbeat_ms"])),
            maintenance_chance=int(env("XINYI_QUEUE_MAINTENANCE", "1000")),
            max_retries=int(env("XINYI_JOB_RETRIES", q["retries"])),
            min_backoff_ms=int(env("XINYI_JOB_MIN_BACKOFF_MS", q["min_backoff_ms"])),
            max_backoff_ms=int(env("XINYI_JOB_MAX_BACKOFF_MS", q["max_backoff_ms"])),
            threads=int(env("XINYI_WORKER_THREADS", q["worker_threads"])),
            redis_timeout_ms=int(env("XINYI_QUEUE_REDIS_TIMEOUT_MS", q["redis_timeout_ms"])),
        )


@dataclass
class _Queue:
    broker: dramatiq.Broker
    worker: dramatiq.Worker | None
    runtime: Runtime  # identity, not id(): a new runtime may reuse an old one's id()
    in_process: bool


_current: _Queue | None = None
_lock = threading.RLock()


def _middleware(s: QueueSettings) -> list[Any]:
    # dramatiq's defaults, with our JobState just before Retries (see JobState).
    return [AgeLimit(), TimeLimit(), ShutdownNotifications(), Callbacks(), Pipelines(), JobState(),
            Retries(max_retries=s.max_retries, min_backoff=s.min_backoff_ms, max_backoff=s.max_backoff_ms)]


def start(*, worker_threads: int | None = None, settings: QueueSettings | None = None) -> dramatiq.Broker:
    """Set up the broker for the current runtime (idempotent).

    ``worker_threads``: run a worker with that many threads in this process.
    Without Redis a worker always runs here (nothing else could run the
    jobs); with Redis only when asked — ``xinyi worker`` and tests do.
    """
    global _current
    rt = runtime()
    with _lock:
        if _current is not None and _current.runtime is rt:
            return _current.broker
        stop()
        s = settings or QueueSettings.from_config()
        url = rt.config.redis_url
        if url:
            # Bounded waits: an unreachable or hung Redis fails a send in seconds, never hangs the
            # operator's screen (the job is then kept as "unsent", see xinyi_core.jobs.send_unsent).
            timeout = s.redis_timeout_ms / 1000
            client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout,
                                          health_check_interval=30)
            broker: dramatiq.Broker = RedisBroker(client=client, namespace=s.namespace, middleware=_middleware(s),
                                                  heartbeat_timeout=s.heartbeat_ms,
                                                  maintenance_chance=s.maintenance_chance)
        else:
            broker = StubBroker(middleware=_middleware(s))
            worker_threads = worker_threads or s.threads
        reg = registry(rt)
        declare(broker, reg, max_retries=s.max_retries, min_backoff=s.min_backoff_ms,
                max_backoff=s.max_backoff_ms)
        dramatiq.set_broker(broker)
        worker = None
        if worker_threads:
            # A short worker timeout keeps shutdown quick (threads poll this often).
            worker = dramatiq.Worker(broker, worker_threads=worker_threads, worker_timeout=100)
            worker.start()
        _current = _Queue(broker, worker, rt, in_process=not url)
        if not url:
            _adopt_orphans()
        return broker


def get() -> dramatiq.Broker:
    """The running broker, started on first use."""
    rt = runtime()
    current = _current
    if current is not None and current.runtime is rt:
        return current.broker
    return start()


def in_process() -> bool:
    """True when jobs run inside this process (no Redis)."""
    get()
    return bool(_current and _current.in_process)


def local_owner() -> str:
    """``host:started:pid`` when jobs run in this process (no Redis), else ``""`` (see ``owner``)."""
    return owner.this_process() if in_process() else ""


def _adopt_orphans() -> None:
    """Queue here the in-process jobs of an ended process on this machine.

    Without Redis a job lives in the memory of the process that accepted it;
    if that process ends (the app was closed mid-report), the next one to
    start its queue picks the job up again instead of leaving it "running"
    for ever.
    """
    me = local_owner()
    orphans = JobRecord.select().where(JobRecord.state.in_(ACTIVE_STATES)
                                       & JobRecord.owner.startswith(owner.host_prefix()) & (JobRecord.owner != me))
    for record in orphans:
        if not owner.ended(record.owner):
            continue
        claimed = (JobRecord.update(owner=me)
                   .where((JobRecord.id == record.id) & (JobRecord.owner == record.owner)).execute())
        if claimed:
            send(record.id, record.kind, record.params)


def message_id(job_id: int) -> str:
    """A job's message has a fixed id, so the queue can be asked whether it holds it."""
    return f"xinyi-job-{job_id}"


def send(job_id: int, kind: str, params: dict[str, Any]) -> None:
    """Put job ``job_id`` on the queue of its actor."""
    broker = get()
    actor = broker.get_actor(actor_name(kind, registry()))
    message = actor.message_with_options(args=(job_id, kind, params)).copy(message_id=message_id(job_id))
    broker.enqueue(message)


def held_jobs(kinds: set[str]) -> set[int] | None:
    """On Redis: the ids of the jobs whose messages the queues of ``kinds`` hold —
    waiting, being worked on (until acknowledged) or delayed for a retry.
    ``None`` in-process, where the question does not arise.

    dramatiq keys each queued message by a random id of its own, so this reads
    the queue's messages (a few hundred at most in a city; asked only when a
    job looks lost).
    """
    broker = get()
    if not isinstance(broker, RedisBroker):
        return None
    reg = registry()
    queues = {broker.get_actor(actor_name(kind, reg)).queue_name for kind in kinds}
    held = set()
    for queue in queues:
        for name in (queue, dq_name(queue)):
            for _, data in broker.client.hscan_iter(f"{broker.namespace}:{name}.msgs", count=500):
                try:
                    mid = json.loads(data).get("message_id", "")
                except ValueError:
                    continue
                if mid.startswith("xinyi-job-"):
                    held.add(int(mid.rsplit("-", 1)[1]))
    return held


def send_window_s() -> float:
    """How long a job's record may exist before its message is on the queue: the submitter's send,
    bounded by a connect and a command timeout (a record whose message is missing for longer than
    this was not sent, or was lost)."""
    return 2 * QueueSettings.from_config().redis_timeout_ms / 1000 + 2


def data_since(now: dt.datetime) -> dt.datetime | None:
    """On Redis: since when the server holds xinyi's messages, as far as xinyi can tell (``None``
    in-process).

    A key of the namespace holds the moment a process first found the server without it: a new
    server, or one restarted empty (``SHUTDOWN NOSAVE``, no persistence) or flushed. Jobs recorded
    before that moment whose messages the server does not hold were lost with its data.
    """
    broker = get()
    if not isinstance(broker, RedisBroker):
        return None
    key = f"{broker.namespace}:data-since"
    broker.client.set(key, now.isoformat(), nx=True)
    value = broker.client.get(key)
    try:
        return dt.datetime.fromisoformat(value.decode()) if value else now
    except ValueError:  # not ours: treat the data as new
        broker.client.set(key, now.isoformat())
        return now


def claim_resend(job_id: int) -> bool:
    """On Redis: True for the one process that may send a lost job's message again now (several
    ``xinyi worker``/``xinyi scheduler`` notice the same loss); others are refused for a minute."""
    broker = get()
    if not isinstance(broker, RedisBroker):
        return True
    return bool(broker.client.set(f"{broker.namespace}:resend:{job_id}", "1", nx=True, ex=60))


def stop(timeout_ms: int = 10_000) -> None:
    """Stop this process's worker (letting running jobs finish) and close the broker."""
    global _current
    with _lock:
        current, _current = _current, None
        if current is None:
            return
        if current.worker is not None:
            current.worker.stop(timeout=timeout_ms)
        current.broker.close()
