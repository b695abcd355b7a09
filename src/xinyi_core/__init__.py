"""xinyi core: the public API a plugin may import.

Everything a plugin needs is importable from here; anything else in the
package is internal and may change without notice.
"""
from __future__ import annotations

from .config import Setting
from .config import load as load_config
from .db import BaseModel, Compiled, Ids, JSONField, Migration, Param, Params, create_tables, database, locked
from .errors import (CalendarUnavailable, ConflictError, FormErrors, NotFound, PermissionDenied,
                     ValidationError, XinyiError)
from .fmt import date_zh, mask_id, mask_phone, weekday_zh
from .hookspecs import hookimpl
from .i18n import t, translator
from .models import Alert, ApprovalChain, ApprovalStep, OrgUnit, Operator, Person, Post
from .org import town_code_of, town_of
from .plugins import API_VERSION
from .lifecycle import runtime
from .people import duty_refusals, require_on_duty
from .types import AlertPayload, AssessmentFact, CalendarMark, DashboardChart, DashboardItem, MonthFact, OffPostAlert, ScreenEntry
from .jobs.api import (ActorSpec, JobContext, ReportContext, ReportSpec, Schedule, current_month, period_bounds,
                       previous_month)

__version__ = "0.1.0"

__all__ = [
    "API_VERSION", "ApprovalChain", "ApprovalStep", "AssessmentFact", "BaseModel", "CalendarMark",
    "CalendarUnavailable",
    "ConflictError", "DashboardChart", "DashboardItem", "FormErrors", "JSONField", "Migration", "MonthFact", "NotFound", "OrgUnit",
    "Operator", "PermissionDenied", "Person", "Post", "ScreenEntry", "Setting", "ValidationError",
    "XinyiError", "create_tables", "database", "hookimpl", "locked", "runtime", "t",
    # a query run every time (a report's, a screen's): its SQL made once, its values given at each run
    "Compiled", "Ids", "Param", "Params",
    # the configuration without the runtime, for a xinyi_cli command that needs no database
    "load_config",
    # TRN-1 / ORG-2: the one "on duty on day D" check every plugin calls before recording a person's work
    "duty_refusals", "require_on_duty",
    # small helpers said once: the town of anything, Chinese dates, a plugin's prefixed t
    "date_zh", "town_code_of", "town_of", "translator", "weekday_zh",
    # personal numbers as lists and exports show them (the full value: the person page, people.view_id)
    "mask_id", "mask_phone",
    # jobs, schedules and reports (xinyi_core.jobs); documents are written with xinyi_core.export
    "ActorSpec", "JobContext", "ReportContext", "ReportSpec", "Schedule", "current_month", "period_bounds",
    "previous_month",
    # what alerts tell other plugins: the alert a listener hears, and the typed payloads plugins exchange
    "Alert", "AlertPayload", "OffPostAlert",
]
