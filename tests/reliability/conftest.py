"""Fixtures shared by the access tests: the city with every plugin, built once per test
process and copied for each test (see _access_helpers)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from _access_helpers import Template, World, template_fixture, world_fixture


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return template_fixture(tmp_path_factory)


@pytest.fixture
def world(template: Template, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[World]:
    """A fresh copy of the template city, started; modules needing other settings override it.

    A test parametrised with an access ``case`` that names its plugins gets only those.
    """
    case = getattr(request.node, "callspec", None) and request.node.callspec.params.get("case")
    plugins = getattr(case, "plugins", None)
    yield from world_fixture(template, tmp_path, **({"default_plugins": plugins} if plugins else {}))
