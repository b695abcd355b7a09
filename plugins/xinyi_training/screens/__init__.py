"""The training screens: sessions and attendance taking (TRN-1, TRN-2, :mod:`.sessions`), the
article quota by town and quarter and a person's training record (TRN-3, :mod:`.records`).
Their forms are in :mod:`xinyi_training.dialogs`."""
from __future__ import annotations

from xinyi_core import ScreenEntry

from .records import QuotaScreen, RecordScreen
from .sessions import AttendanceScreen, SessionsScreen

__all__ = ["ENTRIES", "AttendanceScreen", "QuotaScreen", "RecordScreen", "SessionsScreen"]

# F6–F10 and F12 are the other plugins'; F11 is sessions for staff and her own record for an assistant.
ENTRIES = [
    ScreenEntry("f11", "training.nav.sessions", "training.view", SessionsScreen),
    ScreenEntry("f10", "training.nav.quotas", "training.quotas", QuotaScreen),
    ScreenEntry("f11", "training.nav.mine", "training.own", RecordScreen),
]
