"""Operators, roles, permissions and scope.

Permissions are named actions (``people.edit``, ``leave.approve.city``) granted
to roles. The core's defaults are below, plugins add theirs through
``xinyi_permissions``, and ``[roles]`` in ``xinyi.toml`` replaces a role's list.

Scope is enforced here, in the data layer: every query for people — and every
plugin query for person-linked records through :meth:`Scope.restrict` — is
filtered to the operator's org node.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import math
import os
import pwd
from dataclasses import dataclass
from typing import Any

import peewee as pw

from . import clock, trail
from .errors import NotFound, PermissionDenied, ValidationError
from .i18n import has, t
from .models import Alert, LoginSource, OrgUnit, Operator, Person
from .org import town_code_of  # noqa: F401 - re-exported: callers ask auth for an operator's town
from .state import runtime

ROLE_LEVEL = {  # which kind of org node a role's scope must be
    "assistant": "village", "village_head": "village", "town_clerk": "town", "town_head": "town",
    "city_office": "city", "bureau": "city", "admin": "city",
}

CORE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "people.view": ("assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau"),
    # the full 身份证号 and phone, on the person page only, each reveal audited (lists show them masked)
    "people.view_id": ("town_head", "city_office", "bureau"),
    "people.edit": ("town_clerk", "town_head", "city_office", "bureau"),
    "people.status": ("town_head", "city_office", "bureau"),
    "people.depart": ("city_office", "bureau"),  # ORG-2: a departure is approved by the city
    "people.hire": ("city_office", "bureau"),  # ORG-3: vacancies are filled by the city only
    "people.transfer": ("city_office", "bureau"),  # ORG-3: no cross-village/town moves by a town
    "people.import": ("city_office", "bureau"),
    "org.view": ("village_head", "town_clerk", "town_head", "city_office", "bureau"),
    "org.edit": ("bureau",),
    "calendar.view": ("assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau"),
    "calendar.edit": ("town_head", "city_office", "bureau"),  # ATT-1: the town sets its hours
    "audit.view": ("town_head", "city_office", "bureau"),
    # the dashboard's charts (数据看板): the city's, and a town head's of her town against the city average
    "dashboard.view": ("town_head", "city_office", "bureau"),
    "operators.manage": (),
    "operators.unlock": ("town_head",),  # lift a lock-out of her town's operators (the admin: anyone's)
    "jobs.view": ("town_clerk", "town_head", "city_office", "bureau"),
    "reports.run": ("town_clerk", "town_head", "city_office", "bureau"),
    # printing on the town's printer, and a PDF of a document one may see
    "documents.print": ("village_head", "town_clerk", "town_head", "city_office", "bureau"),
    "documents.pdf": ("assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau"),
}

@functools.cache
def _hasher() -> Any:
    """argon2id (memory-hard); imported when a password is first hashed or checked, not by every
    process that starts (a report, the worker)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < 6:
        raise ValidationError("password", "auth.password_too_short")
    return _hasher().hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    if not hashed:
        return False
    from argon2.exceptions import InvalidHashError, VerifyMismatchError

    try:
        return _hasher().verify(hashed, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


# --------------------------------------------------------------------------- permissions

def granted(role: str) -> frozenset[str]:
    """Every action ``role`` holds: config's list if it has one, else the defaults."""
    rt = runtime()
    cached = rt.grants.get(role)
    if cached is not None:  # permissions are checked on every call: compute each role's set once
        return cached
    defaults = dict(CORE_PERMISSIONS)
    for name, result in rt.plugins.call_each("xinyi_permissions"):
        defaults.update({perm: tuple(roles) for perm, roles in result.items()})
    if role == "admin":
        actions = set(defaults)
    elif role in rt.config.roles:
        patterns = rt.config.roles[role]
        actions = {p for p in defaults if any(fnmatch.fnmatchcase(p, pat) for pat in patterns)}
    else:
        actions = {p for p, roles in defaults.items() if role in roles}
    rt.grants[role] = frozenset(actions)
    return rt.grants[role]


def describe(action: str) -> str:
    """The Chinese description of a named action (core or plugin)."""
    plugin, _, rest = action.partition(".")
    for key in (f"perm.{action}", f"{plugin}.perm.{rest}"):
        if has(key):
            return t(key)
    return action


def can(op: Operator, action: str) -> bool:
    return action in granted(op.role)


def require(op: Operator, action: str, *, obj: pw.Model | None = None, person_id: int | None = None) -> None:
    """Raise :class:`PermissionDenied` (and audit the refusal) unless ``op`` may ``action``."""
    if not can(op, action):
        deny(op, action, obj=obj, person_id=person_id)


def deny(op: Operator, action: str, *, obj: pw.Model | None = None, person_id: int | None = None,
         key: str = "auth.denied", **params: Any) -> None:
    """Audit a refused attempt, then raise."""
    trail.record(op, action, obj, person_id=person_id, allowed=False, note=key)
    raise PermissionDenied(key, action=action, **params)


# --------------------------------------------------------------------------- scope

@dataclass(frozen=True)
class Scope:
    """What part of the org tree an operator sees."""

    level: str  # city, town, village, self
    unit_id: int
    person_id: int | None = None

    def people(self, query: pw.ModelSelect | None = None) -> pw.ModelSelect:
        q = query if query is not None else Person.select()
        if self.level == "city":
            return q
        if self.level == "town":
            return q.where(Person.town == self.unit_id)
        if self.level == "village":
            return q.where(Person.village == self.unit_id)
        return q.where(Person.id == (self.person_id or -1))

    def person_ids(self) -> pw.ModelSelect:
        return self.people(Person.select(Person.id))

    def restrict(self, query: pw.ModelSelect, person_field: pw.Field) -> pw.ModelSelect:
        """Filter a plugin's query to records of people in this scope."""
        if self.level == "city":
            return query
        return query.where(person_field.in_(self.person_ids()))

    def town_id(self) -> int | None:
        """The operator's town (for a village or an assistant, the town above); None for the city."""
        if self.level == "city":
            return None
        unit = OrgUnit.get_by_id(self.unit_id)
        while unit is not None and unit.kind != "town":
            unit = unit.parent
        return unit.id if unit is not None else None

    def restrict_towns(self, query: pw.ModelSelect, town_field: pw.Field) -> pw.ModelSelect:
        """Filter a plugin's query of town-level rows (``town_field``: a foreign key to the town's
        :class:`OrgUnit`) to the operator's own town; the city sees every town's.

        Town-level rows (a town's notice, closure, duty roster) belong to everyone of that
        town — its villages and assistants too — and to nobody of another town.
        """
        if self.level == "city":
            return query
        return query.where(town_field == (self.town_id() or -1))

    def contains_person(self, person: Person) -> bool:
        if self.level == "city":
            return True
        if self.level == "town":
            return person.town_id == self.unit_id
        if self.level == "village":
            return person.village_id == self.unit_id
        return person.id == self.person_id

    def contains_unit(self, unit: OrgUnit) -> bool:
        if self.level == "city":
            return True
        if self.level == "self":
            return False
        own = OrgUnit.get_by_id(self.unit_id)
        return unit.path.startswith(own.path)

    def units(self) -> pw.ModelSelect:
        """The org nodes within this scope."""
        own = OrgUnit.get_by_id(self.unit_id)
        return OrgUnit.select().where(OrgUnit.path.startswith(own.path))


def scope_of(op: Operator) -> Scope:
    if op.role == "assistant":
        return Scope("self", op.scope_id, op.person_id)
    return Scope(op.scope.kind, op.scope_id)


# --------------------------------------------------------------------------- operators and login

def create_operator(username: str, display_name: str, role: str, scope: OrgUnit, *,
                    password: str | None = None, person: Person | None = None,
                    os_user: str | None = None) -> Operator:
    if role not in ROLE_LEVEL:
        raise ValidationError("role", "auth.unknown_role", role=role)
    if scope.kind != ROLE_LEVEL[role]:
        raise ValidationError("scope", "auth.scope_mismatch", role=role, kind=scope.kind)
    if role == "assistant" and person is None:
        raise ValidationError("person", "auth.assistant_needs_person")
    return Operator.create(
        username=username, display_name=display_name, role=role, scope=scope, person=person,
        password_hash=hash_password(password) if password else None, os_user=os_user,
    )


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash("no such operator")


def login_source() -> str:
    """Where a password login comes from: the browser's address in a ``xinyi serve`` session, the SSH
    client's address (set by sshd, which a client cannot override), else this machine's OS account."""
    web = os.environ.get("XINYI_WEB_CLIENT", "")  # set by xinyi serve for each browser tab's app
    if web and os.environ.get("TEXTUAL_DRIVER", "").endswith("web_driver:WebDriver"):
        return f"web:{web}"[:80]
    client = os.environ.get("SSH_CONNECTION", "").split()
    if client:
        return f"ssh:{client[0]}"[:80]
    try:
        account = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        account = str(os.getuid())
    return f"local:{account}"[:80]


def _delay(failures: int) -> float:
    """Seconds to wait after ``failures`` failed logins in a row: 0, then ``delay_seconds``
    doubling with each failure, at most ``max_delay_seconds``."""
    cfg = runtime().config
    if failures <= 0:
        return 0.0
    return float(min(cfg.delay_seconds * 2 ** min(failures - 1, 30), cfg.max_delay_seconds))


def _wait_left(failures: int, last: dt.datetime | None, now: dt.datetime) -> float:
    if not failures or last is None:
        return 0.0
    if now - last >= dt.timedelta(minutes=runtime().config.lockout_minutes):
        return 0.0  # forgotten: no failure for that long
    return max(0.0, (last - now).total_seconds() + _delay(failures))


def authenticate(username: str, password: str, *, source: str | None = None) -> Operator:
    """Check a password login; failures slow the next attempt down, and lock only after many.

    Lock-out must not be a weapon (issue 20, item 4): each failure makes the next attempt
    on that account, and from that source (:func:`login_source`), wait longer (``auth.
    delay_seconds`` doubling up to ``auth.max_delay_seconds``); an attempt made too soon is
    refused without its password being checked, and counts for nothing. Only after
    ``auth.max_failed_logins`` failures in a row is the account locked, for
    ``auth.lockout_minutes``, and its town head (or the admin) told, who may lift it
    (:func:`unlock`). Failures are forgotten after ``lockout_minutes`` without another.
    Every refusal is audited; the counts live in the database, so a new SSH session (a new
    process) continues them.
    """
    cfg = runtime().config
    source = (source or login_source())[:80]
    op = Operator.get_or_none(Operator.username == username.strip())
    now = clock.now()
    if op is not None and op.active and op.locked_until and op.locked_until > now:
        trail.record(op, "auth.login", op, allowed=False, note="locked")
        raise PermissionDenied("auth.locked", until=op.locked_until.strftime("%H:%M"))
    place = LoginSource.get_or_none(LoginSource.source == source)
    wait = max(_wait_left(op.failed_logins, op.last_failed_at, now) if op is not None and op.active else 0.0,
               _wait_left(place.failures, place.last_failed_at, now) if place is not None else 0.0)
    if wait > 0:
        trail.record(op, "auth.login", op, object_type="Operator", allowed=False, note="delayed")
        raise PermissionDenied("auth.wait", seconds=math.ceil(wait))
    if op is None or not op.active:
        verify_password(_dummy_hash(), password)  # same cost as a real check: no probing for usernames
        _failed_from(source, now)
        # Never the typed name of an unknown account: it is, often enough, the password typed
        # into the username field, and the trail must not keep a password in clear.
        trail.record(op, "auth.login", op, object_type="Operator", allowed=False,
                     note="unknown" if op is None else "inactive")
        raise PermissionDenied("auth.bad_credentials")
    if not verify_password(op.password_hash, password):
        _failed_from(source, now)
        forgotten = now - dt.timedelta(minutes=cfg.lockout_minutes)
        # counted in SQL, so parallel attempts (several SSH sessions) cannot lose a failure
        (Operator.update(failed_logins=pw.Case(None, [(Operator.last_failed_at < forgotten, 1)],
                                               Operator.failed_logins + 1), last_failed_at=now)
         .where(Operator.id == op.id).execute())
        op = Operator.get_by_id(op.id)
        trail.record(op, "auth.login", op, allowed=False, note="bad_password")
        if op.failed_logins >= cfg.max_failed_logins:
            locked = (Operator.update(locked_until=now + dt.timedelta(minutes=cfg.lockout_minutes), failed_logins=0)
                      .where((Operator.id == op.id) & (Operator.failed_logins >= cfg.max_failed_logins)).execute())
            op = Operator.get_by_id(op.id)
            if locked:  # once, whichever parallel attempt got here first
                trail.record(op, "auth.lock", op, allowed=False, note=f"{cfg.max_failed_logins}",
                             after={"locked_until": op.locked_until})
                _lock_alert(op, cfg.max_failed_logins)
            raise PermissionDenied("auth.locked", until=op.locked_until.strftime("%H:%M"))
        raise PermissionDenied("auth.bad_credentials")
    Operator.update(failed_logins=0, locked_until=None, last_failed_at=None).where(Operator.id == op.id).execute()
    op = Operator.get_by_id(op.id)
    _close_lock_alerts(op)
    trail.record(op, "auth.login", op)
    return op


def _failed_from(source: str, now: dt.datetime) -> None:
    """One more failure from ``source`` (forgotten after ``lockout_minutes`` without another), in SQL."""
    forgotten = now - dt.timedelta(minutes=runtime().config.lockout_minutes)
    (LoginSource.insert(source=source, failures=1, last_failed_at=now)
     .on_conflict(conflict_target=[LoginSource.source],
                  update={LoginSource.failures: pw.Case(None, [(LoginSource.last_failed_at < forgotten, 1)],
                                                        LoginSource.failures + 1),
                          LoginSource.last_failed_at: now})
     .execute())


_LOCK_ALERT = "core:locked:"  # Alert.key prefix: core:locked:<operator id>:<time>


def _lock_alert(op: Operator, failures: int) -> None:
    """Tell who may lift the lock: the town head of the operator's town, and the admin."""
    town = scope_of(op).town_id()
    Alert.get_or_create(key=f"{_LOCK_ALERT}{op.id}:{op.locked_until:%Y%m%d%H%M%S}", defaults=dict(
        source="core", kind="locked", rule="", audience="admin,town_head", town=town, raised_at=clock.now(),
        data={"operator_id": op.id},
        message=t("auth.locked_alert", name=op.display_name, username=op.username, count=failures,
                  until=op.locked_until.strftime("%m-%d %H:%M"))))


def _close_lock_alerts(op: Operator, note: str = "") -> None:
    (Alert.update(state="closed", closed_at=clock.now(), close_note=note)
     .where(Alert.key.startswith(f"{_LOCK_ALERT}{op.id}:") & (Alert.state == "open")).execute())


def locked_operator(alert: Alert) -> int | None:
    """The operator an open lock-out alert is about (None for any other alert)."""
    if alert.source == "core" and alert.kind == "locked" and alert.state == "open" and alert.data:
        return alert.data.get("operator_id")
    return None


def unlock(actor: Operator | None, operator_id: int) -> Operator:
    """Lift a lock-out before its time (``operators.unlock``: the town head for her town's operators,
    the admin for anyone's; ``None``: the server's administrator, ``xinyi operator unlock``);
    audited, and the lock's alert closed."""
    if actor is not None:
        require(actor, "operators.unlock")
    target = Operator.get_or_none(Operator.id == operator_id)
    if target is None:
        raise NotFound("auth.no_operator")
    if actor is not None and not scope_of(actor).contains_unit(target.scope):
        deny(actor, "operators.unlock", obj=target, key="auth.out_of_scope")
    before = {"failed_logins": target.failed_logins, "locked_until": target.locked_until}
    (Operator.update(failed_logins=0, locked_until=None, last_failed_at=None)
     .where(Operator.id == target.id).execute())
    trail.record(actor, "operators.unlock", target, before=before, after={"failed_logins": 0, "locked_until": None})
    _close_lock_alerts(target, t("auth.unlocked_by", name=actor.display_name if actor else t("audit.system")))
    return Operator.get_by_id(target.id)


def trusted_login(os_user: str) -> Operator:
    """Log in the operator mapped to an OS account (SSH deployments, ``auth.mode = os_user``).

    Refused unless the deployment chose ``os_user``: with password login, trusting
    whatever account name a process reports would bypass the passwords.
    """
    if runtime().config.auth_mode != "os_user":
        trail.record(None, "auth.login", object_type="Operator", allowed=False, note=f"os_user:{os_user[:40]}")
        raise PermissionDenied("auth.os_user_disabled")
    op = Operator.get_or_none((Operator.os_user == os_user) & (Operator.active == True))  # noqa: E712
    if op is None:
        trail.record(None, "auth.login", object_type="Operator", allowed=False, note=f"os_user:{os_user[:40]}")
        raise PermissionDenied("auth.unknown_os_user", user=os_user)
    trail.record(op, "auth.login", op, note="os_user")
    return op
