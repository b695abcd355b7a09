from xinyi_core import people


def test_town_clerk_sees_only_her_town(city):
    clerk = city.op("town_clerk", "a")
    seen = {p.id for p in people.visible(clerk)}
    assert seen == {p.id for p in city.people["a"]}
