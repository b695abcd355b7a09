"""The rotation rule, pure: who is on duty on which day."""
from __future__ import annotations

import datetime as dt


def week_after(today: dt.date) -> dt.date:
    """The Monday of the week after ``today``'s week (the week a Friday publication covers)."""
    return today + dt.timedelta(days=7 - today.weekday())


def rotation(people: list[int], days: list[dt.date], last: int | None) -> list[tuple[dt.date, int]]:
    """Round robin over ``people`` (in roster order) on the working ``days``.

    The rotation continues after ``last``, the person on duty on the last
    published day, so that week after week everybody takes the same share; a
    ``last`` no longer on the roster (she left) restarts at the top.
    """
    if not people:
        return []
    start = people.index(last) + 1 if last in people else 0
    return [(day, people[(start + i) % len(people)]) for i, day in enumerate(days)]
