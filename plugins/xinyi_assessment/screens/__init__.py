"""The assessment screens: annual scoring (ASM-5, :mod:`.scoring`), the panel's grades with the
ranking and the city view (ASM-3, :mod:`.panel`), the routine assessment and one assistant's
routine year (ASM-2, :mod:`.monthly`). Their forms are in :mod:`xinyi_assessment.dialogs`.

Every list is read through the service's scoped reads; every action has a key
shown in the footer only to operators who may take it, and the service
refuses and audits anyway.
"""
from __future__ import annotations

from .monthly import MonthlyScreen, RoutineScreen
from .panel import CityScreen, PanelScreen
from .scoring import ScoringScreen, detail_text

__all__ = ["CityScreen", "MonthlyScreen", "PanelScreen", "RoutineScreen", "ScoringScreen", "detail_text"]

