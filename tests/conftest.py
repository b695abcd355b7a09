import datetime as dt
import os
from typing import Any, Callable

import pytest

from hypothesis import settings

pytest_plugins = ["xinyi_core.testing"]

# Randomised tests are deterministic by default, so a landing never depends on luck: the "ci"
# profile derandomises Hypothesis (the same examples on every run) and keeps no example database.
# Explore further, opt-in, with `bash scripts/test.sh --hypothesis-profile=deep tests/reliability`
# (random seeds, ten times the examples; see tests/reliability/_input_helpers.py).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("deep", derandomize=False, max_examples=1000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def depart() -> Callable[..., Any]:
    """``depart(city, person, on=None, reason=…)``: she leaves by the path her town has (ORG-2).

    With the departure plugin enabled for her town: the town clerk's 附件5 report, approved
    step by step (village, town centre, city employment office) and taken into effect on ``on``
    — the only way 离职 comes about there. Without it: the city office sets it, with the reason.
    """

    def run(city: Any, person: Any, on: dt.date | None = None, reason: str = "本人辞职") -> Any:
        from xinyi_core import approvals, clock, people, runtime
        from xinyi_core.models import Person

        person = Person.get_by_id(person.id)
        town = person.town.code
        on = on or clock.today()
        if "departure" not in runtime().plugins.enabled_for(town):
            return people.set_status(city.op("city_office"), person.id, "departed", on=on, reason=reason)
        from xinyi_departure import service

        dep = service.report(city.op("town_clerk", town), person.id,
                             {"category": "resigned", "planned_on": on.isoformat(), "reason": reason})
        while (step := approvals.current_step(service.chain_of(dep))) is not None:
            op = city.op(step.role) if step.role == "city_office" else city.op(step.role, town)
            service.decide(op, dep.id, True, "同意")
        service.apply_due(max(on, clock.today()))
        return Person.get_by_id(person.id)

    return run
