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
from dataclasses import dataclass
from typing import Any

import peewee as pw
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from . import clock, trail
from .errors import PermissionDenied, ValidationError
from .i18n import has, t
from .models import OrgUnit, Operator, Person
from .org import town_code_of  # noqa: F401 - re-exported: callers ask auth for an operator's town
from .state import runtime

ROLE_LEVEL = {  # which kind of org node a role's scope must be
    "assistant": "village", "village_head": "village", "town_clerk": "town", "town_head": "town",
    "city_office": "city", "bureau": "city", "admin": "city",
}

CORE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "people.view": ("assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau"),
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
    "operators.manage": (),
    "jobs.view": ("town_clerk", "town_head", "city_office", "bureau"),
    "reports.run": ("town_clerk", "town_head", "city_office", "bureau"),
    # printing on the town's printer, and a PDF of a document one may see
    "documents.print": ("village_head", "town_clerk", "town_head", "city_office", "bureau"),
    "documents.pdf": ("assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau"),
}

_hasher = PasswordHasher()  # argon2id: memory-hard


def hash_password(password: str) -> str:
    if len(password) < 6:
        raise ValidationError("password", "auth.password_too_short")
    return _hasher.hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    if not hashed:
        return False
    try:
        return _hasher.verify(hashed, password)
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
    return _hasher.hash("no such operator")


def authenticate(username: str, password: str) -> Operator:
    """Check a password login, counting failures and locking out repeated ones."""
    cfg = runtime().config
    op = Operator.get_or_none(Operator.username == username.strip())
    now = clock.now()
    if op is None or not op.active:
        verify_password(_dummy_hash(), password)  # same cost as a real check: no probing for usernames
        # Never the typed name of an unknown account: it is, often enough, the password typed
        # into the username field, and the trail must not keep a password in clear.
        trail.record(op, "auth.login", op, object_type="Operator", allowed=False,
                     note="unknown" if op is None else "inactive")
        raise PermissionDenied("auth.bad_credentials")
    if op.locked_until and op.locked_until > now:
        trail.record(op, "auth.login", op, allowed=False, note="locked")
        raise PermissionDenied("auth.locked", until=op.locked_until.strftime("%H:%M"))
    if not verify_password(op.password_hash, password):
        # counted in SQL, so parallel attempts (several SSH sessions) cannot lose a failure
        Operator.update(failed_logins=Operator.failed_logins + 1).where(Operator.id == op.id).execute()
        op = Operator.get_by_id(op.id)
        if op.failed_logins >= cfg.max_failed_logins:
            op.locked_until = now + dt.timedelta(minutes=cfg.lockout_minutes)
            op.failed_logins = 0
            op.save(only=[Operator.locked_until, Operator.failed_logins])
        trail.record(op, "auth.login", op, allowed=False, note="bad_password")
        if op.locked_until and op.locked_until > now:
            raise PermissionDenied("auth.locked", until=op.locked_until.strftime("%H:%M"))
        raise PermissionDenied("auth.bad_credentials")
    op.failed_logins = 0
    op.locked_until = None
    op.save()
    trail.record(op, "auth.login", op)
    return op


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
