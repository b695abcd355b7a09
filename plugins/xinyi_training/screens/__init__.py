"""The training screens: sessions and attendance taking (TRN-1, TRN-2, :mod:`.sessions`), the
article quota by town and quarter and a person's training record (TRN-3, :mod:`.records`).
Their forms are in :mod:`xinyi_training.dialogs`."""
from __future__ import annotations

from xinyi_core import ScreenEntry

from .records import QuotaScreen, RecordScreen
from .sessions import AttendanceScreen, SessionsScreen

__all__ = ["ENTRIES", "AttendanceScreen", "QuotaScreen", "RecordScreen", "SessionsScreen"]

# The training group of the home menu: sessions (staff), quotas, her own record (an assistant).
ENTRIES = [
    ScreenEntry("", "training.nav.sessions", "training.view", SessionsScreen, "training"),
    ScreenEntry("", "training.nav.quotas", "training.quotas", QuotaScreen, "training"),
    ScreenEntry("", "training.nav.mine", "training.own", RecordScreen, "training"),
]
