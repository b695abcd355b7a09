"""The training edit screens, one :class:`FormScreen` each: a new session, inviting a town or
village (TRN-1, TRN-2), an excused absence's reason, a pre-job exam score, a publicity article (TRN-3).

Each saves through the service, whose Chinese errors land beside their fields;
what a form offers (whom to organise for, where to invite) comes from the
service's scoped reads. The screen that opens a form says what was saved.
"""
from __future__ import annotations

from xinyi_core import Operator, auth, clock, org, translator
from xinyi_core.tui.screens import FormScreen
from xinyi_core.tui.widgets import FormField

from . import service
from .service import quota

tr = translator("training")


def session_form(op: Operator) -> FormScreen:
    """A new session: in-service (TRN-2) or, for the city bureau, pre-job (TRN-1). Saving gives the session."""
    units = service.organisers(op)
    kinds = [k for k, perm in (("in_service", "training.manage"), ("pre_job", "training.prejob"))
             if auth.can(op, perm)]
    fields = [FormField("kind", tr("field.kind"), kinds[0] if kinds else None, [(tr(f"kind.{k}"), k) for k in kinds],
                        required=True),
              FormField("title", tr("field.title"), required=True),
              FormField("organiser", tr("field.organiser"), units[0].id if units else None,
                        [(u.name, u.id) for u in units], required=True),
              FormField("start_on", tr("field.start_on"), clock.today().isoformat(), required=True, kind="date"),
              FormField("end_on", tr("field.end_on"), placeholder=tr("form.same_day"), kind="date"),
              FormField("place", tr("field.place")),
              FormField("pass_mark", tr("field.pass_mark"), placeholder=str(service.setting("pass_mark")))]
    return FormScreen(tr("form.session_title"), fields, lambda v: service.create_session(
        op, kind=v["kind"], title=v["title"], organiser=org.unit(v["organiser"]), start_on=v["start_on"],
        end_on=v["end_on"], place=v["place"], pass_mark=v["pass_mark"]))


def invite_form(op: Operator, session_id: int) -> FormScreen:
    """Invite everyone concerned in a town or village of ``op``'s scope. Saving gives how many were new."""
    session = service.get_session(op, session_id)
    units = service.invite_units(op, session_id)
    fields = [FormField("unit", tr("field.unit"), None, [(u.name, u.id) for u in units], required=True)]
    return FormScreen(tr("form.invite_title"), fields,
                      lambda v: service.invite_unit(op, session_id, org.unit(v["unit"])),
                      hint=tr(f"form.invite_hint.{session.kind}", title=session.title))


def reason_form(op: Operator, invitation_id: int) -> FormScreen:
    """TRN-2: an excused absence, with the reason it was excused."""
    return FormScreen(tr("form.reason_title"), [FormField("reason", tr("field.reason"), required=True)],
                      lambda v: service.record_attendance(op, invitation_id, "excused", v["reason"]))


def score_form(op: Operator, invitation_id: int) -> FormScreen:
    """TRN-1: the pre-job exam's score (0–100); saving gives the invitation, passed or not."""
    inv = service.get_invitation(op, invitation_id)
    fields = [FormField("score", tr("field.score"), "" if inv.score is None else f"{inv.score:g}", required=True)]
    return FormScreen(tr("form.score_title"), fields, lambda v: service.record_score(op, invitation_id, v["score"]))


def article_form(op: Operator, person_id: int) -> FormScreen:
    """TRN-3: a publicity article reported for a person (herself, or one in ``op``'s scope)."""
    fields = [FormField("title", tr("field.article"), required=True),
              FormField("published_on", tr("field.published_on"), clock.today().isoformat(), required=True,
                        kind="date"),
              FormField("outlet", tr("field.outlet"), placeholder=tr("form.outlet_hint"), required=True)]
    return FormScreen(tr("form.article_title"), fields, lambda v: quota.submit_article(
        op, person_id, title=v["title"], published_on=v["published_on"], outlet=v["outlet"]))
