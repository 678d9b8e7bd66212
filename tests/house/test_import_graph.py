"""The package-level import graph of chatbot/, connectors/, actions/, web/ and cli/ has no circle,
and the layers import downwards only."""

from __future__ import annotations

from tests.house.imports import find_cycle, package_graph

# What each top-level package must not import. The core (chatbot) stands below everything;
# connectors and actions stand side by side above it; web may read the channels' limits
# (web.message_preview); cli stands on top and nothing imports it.
FORBIDDEN = {
    "chatbot": {"connectors", "actions", "web", "cli"},
    "connectors": {"actions", "web", "cli"},
    "actions": {"connectors", "web", "cli"},
    "web": {"actions", "cli"},
}


def _top(unit: str) -> str:
    return unit.partition(".")[0]


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Every edge of ``graph`` that goes against :data:`FORBIDDEN`, as "source -> target"."""
    return sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        for target in targets
        if _top(target) in FORBIDDEN.get(_top(source), set())
    )


def test_the_package_graph_has_no_circle() -> None:
    graph = package_graph()
    assert {"chatbot.school", "chatbot.delivery", "chatbot.nlu", "connectors", "actions", "cli"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_former_circles_stay_open() -> None:
    graph = package_graph()
    assert "chatbot.school" not in graph["chatbot.delivery"]
    assert "chatbot.school" not in graph["chatbot.nlu"]


def test_the_layers_import_downwards_only() -> None:
    assert layer_violations(package_graph()) == []


def test_the_graph_sees_edges_into_flat_packages() -> None:
    """The CLI builds the senders from ``connectors``: the edge is there, so a forbidden one
    would be seen too."""
    graph = package_graph()
    assert "connectors" in graph["cli"]
    assert {"chatbot.school", "chatbot.delivery"} <= graph["cli"]
    assert "chatbot.settings" in graph["connectors"]


def test_the_layer_check_finds_an_upward_import() -> None:
    graph = {
        "chatbot.delivery": {"connectors", "chatbot.settings"},
        "connectors": {"chatbot.delivery", "cli"},
        "actions": {"chatbot.school"},
        "web.pages": {"connectors", "actions"},
        "cli": {"connectors", "actions", "web.app", "chatbot.school"},
    }
    assert layer_violations(graph) == [
        "chatbot.delivery -> connectors", "connectors -> cli", "web.pages -> actions",
    ]


def test_the_cycle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    assert find_cycle({"a": {"b"}, "b": set()}) is None
