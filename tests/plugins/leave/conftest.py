"""Helpers for the leave tests: the test city (xinyi_core.testing) with "today" fixed."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

import pytest

from xinyi_core import approvals, clock
from xinyi_core.testing import City
from xinyi_leave import service

TODAY = dt.date(2026, 9, 1)


@pytest.fixture
def today(city: City) -> Iterator[dt.date]:
    with clock.frozen(TODAY):
        yield TODAY


def slip(start: str, end: str, category: str = "personal", **extra: Any) -> dict[str, Any]:
    return {"category": category, "start_on": start, "end_on": end, "reason": "家中有事",
            "phone": "13900001111", **extra}


def approve_all(city: City, leave_id: int, town: str = "a") -> Any:
    """Every step of the chain says yes, in order, each by the operator of the step's role."""
    while True:
        step = approvals.current_step(service.chain_of(service.LeaveRequest.get_by_id(leave_id)))
        if step is None:
            return service.LeaveRequest.get_by_id(leave_id)
        op = city.op(step.role) if step.role == "city_office" else city.op(step.role, town)
        service.decide(op, leave_id, True, "同意")
