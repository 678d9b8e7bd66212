"""The package-level import graph of chatbot/, connectors/, actions/ and web/ has no circle,
and the layers import downwards only."""

from __future__ import annotations

from tests.house.imports import find_cycle, package_graph

# Who may import whom, besides the core (chatbot.*, which imports none of these):
# the CLI stands above the core and the channels; the web app may read the channels' limits.
ABOVE_THE_CORE = {
    "connectors": {"chatbot.cli", "web.message_preview"},
    "actions": set(),
    "web": set(),
}


def test_the_package_graph_has_no_circle() -> None:
    graph = package_graph()
    assert {"chatbot.school", "chatbot.delivery", "chatbot.nlu", "connectors", "actions"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_former_circles_stay_open() -> None:
    graph = package_graph()
    assert "chatbot.school" not in graph["chatbot.delivery"]
    assert "chatbot.school" not in graph["chatbot.nlu"]


def test_the_core_does_not_import_the_layers_above_it() -> None:
    for source, targets in package_graph().items():
        for layer, allowed in ABOVE_THE_CORE.items():
            reaches = any(t == layer or t.startswith(f"{layer}.") for t in targets)
            same = source == layer or source.startswith(f"{layer}.")
            if reaches and not same:
                assert source in allowed or not source.startswith("chatbot"), f"{source} imports {layer}"
    assert "connectors" not in package_graph()["actions"]


def test_the_cycle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    assert find_cycle({"a": {"b"}, "b": set()}) is None
