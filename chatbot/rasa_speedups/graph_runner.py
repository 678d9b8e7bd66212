"""Rasa's prediction graph run in a plain loop instead of through dask.

Every message runs the graph at least twice (NLU, then one policy prediction per action).
``DaskGraphRunner.run`` rebuilds the minimal schema and a dask graph each time and hands it
to dask's scheduler, which orders the graph and runs each node through its thread-pool
machinery, even synchronously. For a dozen cheap nodes that overhead was 15 % of a replica's
CPU (py-spy, bench/RESULTS.md), more than the intent classifier itself.

:class:`SequentialGraphRunner` computes each target set's order once and then calls the same
``GraphNode`` objects in it, passing what dask passes: every node gets its parents' ``(name,
output)`` pairs, an input arrives as ``(input_name, value)``, and an unknown need arrives as
its bare name (the node then warns, as under dask). Results are the nodes' outputs, as dask's.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphNode
from rasa.engine.runner.dask import DaskGraphRunner

Step = tuple[str, GraphNode, tuple[str, ...]]


class SequentialGraphRunner(DaskGraphRunner):
    """A ``DaskGraphRunner`` whose ``run`` calls the nodes in a cached topological order."""

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        """Runs the graph (see ``GraphRunner.run``): each needed node once, parents first."""
        run_targets = list(targets) if targets else self._graph_schema.target_names
        plan = self._plan(tuple(run_targets))
        results: dict[str, Any] = {}
        for input_name, value in (inputs or {}).items():
            if isinstance(value, str) and (value in results or any(value == step[0] for step in plan)):
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the "
                    f"input names passed to the `run` method are the same as node names in the "
                    f"graph schema."
                )
            results[input_name] = (input_name, value)
        try:
            for name, node, needs in plan:
                results[name] = node(*(results.get(need, need) for need in needs))
        except RuntimeError as exc:
            raise GraphRunError("Error running runner.") from exc
        return dict(results[target] for target in run_targets)

    def _plan(self, targets: tuple[str, ...]) -> list[Step]:
        """The nodes ``targets`` need, each after the nodes it needs (cached per target set)."""
        cache: dict[tuple[str, ...], list[Step]] = self.__dict__.setdefault("_plans", {})
        if targets not in cache:
            schema = self._graph_schema.minimal_graph_schema(list(targets))
            ordered: list[Step] = []
            placed: set[str] = set()

            def place(name: str) -> None:
                if name in placed or name not in schema.nodes:
                    return
                placed.add(name)
                needs = tuple(schema.nodes[name].needs.values())
                for need in needs:
                    place(need)
                ordered.append((name, self._instantiated_nodes[name], needs))

            for target in targets:
                place(target)
            cache[targets] = ordered
        return cache[targets]


def install() -> None:
    """Make Rasa's message processor load its models with :class:`SequentialGraphRunner`."""
    import rasa.core.processor

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
