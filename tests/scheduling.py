"""How ``pytest -n 2 --dist loadscope`` shares the suite between its workers (tests/README.md).

As with xdist's own loadscope, a unit of work goes whole to one worker; here a unit is a module,
or a group of modules that share a session-scoped server (:data:`GROUPS`), so that server starts
once and not once per worker. Units are handed out slowest first (:data:`SECONDS`): the few
modules that start Rasa take minutes between them, and one of them left for last would keep one
worker busy while the other idles. Units not listed follow, the largest first, as in xdist.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

# Modules that share a session-scoped fixture costing tens of seconds per process.
GROUPS: dict[str, str] = {
    # the ``assistant`` fixture: Rasa and the action server over the sample school
    **dict.fromkeys((
        "tests/chatbot/delivery/test_conversation.py",
        "tests/journeys/test_city_conversations.py",
        "tests/journeys/test_family_talk.py",
        "tests/journeys/test_rest_flows.py",
        "tests/journeys/test_role_voice.py",
        "tests/journeys/test_verify_logs.py",
    ), "assistant"),
    # ``rasa_server``: Rasa with the connector project's model and the fake channel APIs
    **dict.fromkeys((
        "tests/connectors/test_configuration.py",
        "tests/connectors/test_inbound.py",
        "tests/connectors/test_log_hygiene.py",
        "tests/connectors/test_telegram_polling.py",
        "tests/connectors/test_telegram_webhook.py",
        "tests/connectors/test_zalo_bot.py",
        "tests/connectors/test_zalo_webhook.py",
    ), "connector-rasa"),
    # ``runners``: the assistant's model loaded with two graph runners
    **dict.fromkeys((
        "tests/chatbot/rasa_speedups/test_graph_runner.py",
        "tests/chatbot/rasa_speedups/test_rule_policies.py",
    ), "speedups"),
}

# Seconds a unit took on the 2-core CI machine under load (only their order matters).
SECONDS: dict[str, float] = {
    "tests/journeys/test_family_channels.py": 240,
    "tests/chatbot/runner/test_serve_and_demo.py": 130,
    "assistant": 110,
    "connector-rasa": 90,
    "tests/journeys/city/test_city.py": 55,
    "tests/scale/test_replicas.py": 50,
    "speedups": 32,
    "tests/web/e2e/test_journeys.py": 40,
    "tests/house/test_linear_text.py": 37,
    "tests/journeys/test_erasure_postgresql.py": 36,
    "tests/journeys/test_stories.py": 35,
    "tests/cli/delivery/test_broadcast_and_worker.py": 35,
    "tests/chatbot/domain/test_data_validate.py": 35,
}


def unit_of(nodeid: str) -> str:
    """The unit of work of a test: its module's group, or its module."""
    module = nodeid.split("::", 1)[0]
    return GROUPS.get(module, module)


class SlowestFirstScheduling(LoadScopeScheduling):
    """xdist's loadscope with :data:`GROUPS` as units and the slowest units handed out first."""

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)

    def _assign_work_unit(self, node: WorkerController) -> None:
        # The queue is in xdist's order (largest first); move the slowest known unit to its head.
        slowest = max(self.workqueue, key=lambda unit: SECONDS.get(unit, 0.0))
        self.workqueue.move_to_end(slowest, last=False)
        super()._assign_work_unit(node)
