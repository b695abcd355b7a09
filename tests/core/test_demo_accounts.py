"""Issue 18: the demo lets an assistant log in, so her own tasks can be shown — and the README says how.

Three assistants of the demo town (新安街道) have accounts, in the community whose head has one too
(so her leave can go village head → town head → city), and one in every other town; the README lists
the demo town's accounts with the shared password.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from xinyi_core import auth, clock, demo, lifecycle, testing
from xinyi_core.models import Operator

README = Path(__file__).resolve().parents[2] / "README.md"


def test_assistants_of_the_demo_town_can_log_in_and_the_readme_lists_them(tmp_path: Path):
    testing.start(testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'demo.db'}"), plugin_modules={},
                  entry_points=False)
    try:
        with clock.frozen(dt.datetime(2026, 12, 5, 10, 0)):
            summary = demo.build(seed=7, assistants=120, villages=32)
            mine = [o for o in Operator.select().where(Operator.role == "assistant").order_by(Operator.username)
                    if o.username.startswith(f"{demo.DEMO_TOWN}_")]
            assert [o.username for o in mine] == ["xinan_zl1", "xinan_zl2", "xinan_zl3"]
            head = Operator.get(Operator.username == "xinan_v1_head")
            for op in mine:
                assert op.person.town.code == demo.DEMO_TOWN and op.display_name == op.person.name
                assert op.scope_id == op.person.village_id  # she sees herself; her village's head approves
                assert auth.authenticate(op.username, demo.DEMO_PASSWORD).id == op.id
            assert any(op.scope_id == head.scope_id for op in mine)  # a leave the demo's head can approve
            others = Operator.select().where((Operator.role == "assistant")
                                             & ~Operator.username.startswith(f"{demo.DEMO_TOWN}_"))
            assert sorted(o.username for o in others) == sorted(f"{c}_zl1" for c, _ in demo.TOWNS[1:])
            assert len({o.person_id for o in Operator.select().where(Operator.role == "assistant")}) == 18
    finally:
        lifecycle.shutdown()
    readme = README.read_text("utf-8")
    listed = [u for u, _, _ in summary.operators if u.startswith(f"{demo.DEMO_TOWN}_")]
    assert all(f"`{u}`" in readme for u in listed) and demo.DEMO_PASSWORD in readme
