"""What the departure rules decide, as plain functions (ORG-2, ORG-3, ATT-6).

No database, no UI: the service and the screens call these, and the tests
check them directly.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from xinyi_core import OffPostAlert, t, validators

# 附件5's five categories, in the form's order (ORG-2).
CATEGORIES = ("rescinded", "ended", "resigned", "dismissed", "other")
STATES = ("proposed", "declined", "pending", "approved", "rejected", "withdrawn", "departed")
OPEN_STATES = ("proposed", "pending", "approved")  # one open report per person at a time
CHAIN_ROLES = ("village_head", "town_head", "city_office")  # ORG-2: village → town centre → employment office
OFF_POST_DAYS = 7  # ATT-6: away from the post for *more than* 7 days


def category_label(code: str) -> str:
    return t(f"departure.category.{code}")


def category_from(value: Any) -> str | None:
    """A category code from a code or its Chinese label (typed by an operator, or an alert raised
    before alerts carried codes)."""
    text = str(value or "").strip()
    if text in CATEGORIES:
        return text
    return next((c for c in CATEGORIES if category_label(c) == text), None)


def parse_date(value: Any) -> dt.date | None:
    """Any date the core's date fields take (``2026-12-01``, ``2026.12.1``, ``2026/12/01``, ``12-1`` this
    year) or a date → date; anything else → None."""
    return validators.parse_date(value)


def report_errors(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, str]:
    """Field → Chinese error for a departure report (附件5).

    ORG-2 / the form's note 1: category 其他 needs the reason written out.
    With ``partial`` only the given fields are checked (the form, field by field).
    """
    errors: dict[str, str] = {}
    given = (lambda f: f in values) if partial else (lambda f: True)
    category = category_from(values.get("category"))
    if given("category") and category is None:
        errors["category"] = t("departure.error.category")
    if given("planned_on") and parse_date(values.get("planned_on")) is None:
        errors["planned_on"] = t("departure.error.date")
    if category == "other" and given("reason") and not str(values.get("reason") or "").strip():
        errors["reason"] = t("departure.error.other_needs_reason")
    return errors


def chain_roles(*, village_online: bool = True) -> tuple[str, ...]:
    """The approval steps of a departure, in order (ORG-2).

    A village without a village-head account gives its opinion on the paper
    form: the chain then starts at the town centre head.
    """
    return CHAIN_ROLES if village_online else CHAIN_ROLES[1:]


def state_after_chain(chain_state: str) -> str:
    """The report's state once its approval chain has ended."""
    return {"approved": "approved", "rejected": "rejected", "withdrawn": "withdrawn"}[chain_state]


def is_due(state: str, planned_on: dt.date, today: dt.date) -> bool:
    """An approved departure takes effect once its planned date has come (ORG-2)."""
    return state == "approved" and planned_on <= today


def is_off_post_alert(source: str, kind: str, rule: str = "") -> bool:
    """The attendance plugin's ATT-6 alert (more than 7 days off post): the core's :class:`OffPostAlert`."""
    return (source, kind) == (OffPostAlert.SOURCE, OffPostAlert.KIND)


def proposal(alert: OffPostAlert | Mapping[str, Any] | None, today: dt.date) -> dict[str, Any]:
    """The pre-filled 解除合同 report for an ATT-6 alert's payload (or its stored data): category, date, reason."""
    payload = alert if isinstance(alert, OffPostAlert) else OffPostAlert.from_data(alert)
    category = category_from(payload.proposes) or "rescinded"
    reason = t("departure.proposal.reason", days="" if payload.days is None else payload.days,
               start=_iso(payload.start), end=_iso(payload.end))
    return {"category": category, "planned_on": today, "reason": reason}


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def days_vacant(vacant_since: dt.date | None, today: dt.date) -> int | None:
    """How long a post has been empty, in calendar days (None if nobody recorded since when)."""
    if vacant_since is None:
        return None
    return max((today - vacant_since).days, 0)


def valid_handover_defaults(value: Any) -> bool:
    """The ``handover_items`` setting: a non-empty list of short, non-empty labels."""
    return (isinstance(value, list) and bool(value)
            and all(isinstance(v, str) and 0 < len(v.strip()) <= 60 for v in value))
