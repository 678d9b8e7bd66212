"""The deployment files agree with the code and fit PostgreSQL's connection limit."""

from __future__ import annotations

import pytest
import yaml
from rasa.shared.utils.common import class_from_module_path
from rasa.utils.endpoints import read_endpoint_config

from chatbot.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
MAX_CONNECTIONS = 100
# Besides Rasa: action server and worker (SQLAlchemy's default pool, 5 + 10 each), pg_dump,
# a migration and PostgreSQL's 3 superuser-reserved connections.
OTHER_CONNECTIONS = 15 + 15 + 1 + 1 + 3


def connections(replicas: int, pool_size: int, max_overflow: int) -> int:
    """Worst-case PostgreSQL connections of a deployment (docs/deployment.md)."""
    return replicas * (pool_size + max_overflow) + OTHER_CONNECTIONS


def _env_list(entries: list[dict]) -> dict[str, str]:
    return {entry["name"]: entry["value"] for entry in entries if "value" in entry}


def test_image_endpoints_take_the_action_server_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://actions:5055/webhook")
    path = str(DEPLOY / "endpoints.yml")
    assert read_endpoint_config(path, "action_endpoint").url == "http://actions:5055/webhook"
    for section in ("tracker_store", "lock_store"):
        class_from_module_path(read_endpoint_config(path, section).type)  # importable


def test_compose_fits_postgresql() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    env = compose["x-app"]["environment"]
    replicas = compose["services"]["rasa"]["deploy"]["replicas"]
    assert f"max_connections={MAX_CONNECTIONS}" in compose["services"]["postgres"]["command"]
    assert connections(replicas, int(env["SQL_POOL_SIZE"]), int(env["SQL_MAX_OVERFLOW"])) <= MAX_CONNECTIONS


def test_helm_autoscaling_fits_postgresql() -> None:
    values = yaml.safe_load((DEPLOY / "helm" / "values.yml").read_text(encoding="utf-8"))
    env = _env_list(values["extraEnv"])
    most = max(values["replicaCount"], values["autoscaling"]["maxReplicas"])
    assert connections(most, int(env["SQL_POOL_SIZE"]), int(env["SQL_MAX_OVERFLOW"])) <= MAX_CONNECTIONS


def test_helm_uses_the_projects_stores_and_channels() -> None:
    values = yaml.safe_load((DEPLOY / "helm" / "values.yml").read_text(encoding="utf-8"))
    endpoints = values["applicationSettings"]["endpoints"]
    assert not endpoints["trackerStore"]["enabled"] and not endpoints["lockStore"]["enabled"]
    for section in endpoints["additionalEndpoints"].values():
        class_from_module_path(section["type"])
    channels = values["applicationSettings"]["credentials"]["additionalChannelCredentials"]
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert set(channels) == set(credentials)
