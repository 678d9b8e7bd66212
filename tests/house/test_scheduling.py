"""The parallel run's table of groups and slow units (tests/scheduling.py) names what exists."""

from __future__ import annotations

from tests.house.imports import ROOT
from tests.scheduling import GROUPS, SECONDS, unit_of

# The session fixture each group is there to share.
FIXTURE_OF = {"assistant": "assistant", "connector-rasa": "rasa_server", "speedups": "runners"}


def test_every_grouped_module_exists_and_uses_its_group_s_fixture() -> None:
    assert set(GROUPS.values()) == set(FIXTURE_OF)
    for module, group in GROUPS.items():
        path = ROOT / module
        assert path.is_file(), module
        assert FIXTURE_OF[group] in path.read_text(encoding="utf-8"), module


def test_every_slow_unit_is_a_module_or_a_group() -> None:
    for unit in SECONDS:
        assert (ROOT / unit).is_file() if unit.endswith(".py") else unit in FIXTURE_OF, unit


def test_a_test_goes_with_its_group_or_its_module() -> None:
    assert unit_of("tests/journeys/test_rest_flows.py::test_joining_a_class") == "assistant"
    assert unit_of("tests/nlu/test_text.py::test_x[a::b]") == "tests/nlu/test_text.py"
