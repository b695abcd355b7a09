"""Demo data: a departure in every state a town meets, and one ATT-6 proposal to confirm."""
from __future__ import annotations

from pathlib import Path

import xinyi_departure
from xinyi_core import demo, lifecycle, testing
from xinyi_core.models import Person, Post
from xinyi_departure.models import Departure


def test_demo_has_each_state_and_the_departed_post_is_vacant(tmp_path: Path):
    cfg = testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'demo.db'}")
    testing.start(cfg, plugin_modules={"departure": xinyi_departure}, entry_points=False)
    try:
        demo.build(seed=7, assistants=60, villages=16)
        states = {d.state: d for d in Departure.select()}
        assert set(states) == {"departed", "approved", "pending", "rejected", "proposed"}
        gone = states["departed"]
        assert Person.get_by_id(gone.person_id).status == "departed" and gone.wages_stopped_on == gone.departed_on
        assert Post.get_by_id(gone.post_id).vacant_since == gone.departed_on
        assert states["proposed"].source == "attendance" and states["proposed"].category == "rescinded"
    finally:
        lifecycle.shutdown()
