"""The training screens: sessions and attendance taking (TRN-1, TRN-2, :mod:`.sessions`), the
article quota by town and quarter and a person's training record (TRN-3, :mod:`.records`).
Their forms are in :mod:`xinyi_training.dialogs`."""
from __future__ import annotations

from .records import QuotaScreen, RecordScreen
from .sessions import AttendanceScreen, SessionsScreen

__all__ = ["AttendanceScreen", "QuotaScreen", "RecordScreen", "SessionsScreen"]

