"""The deployment files agree with the code and fit PostgreSQL's connection limit."""

from __future__ import annotations

import ast

import pytest
import yaml
from rasa.shared.utils.common import class_from_module_path
from rasa.utils.endpoints import read_endpoint_config

from chatbot.action_server import TOKEN_HEADER
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
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "the-shared-secret")
    path = str(DEPLOY / "endpoints.yml")
    endpoint = read_endpoint_config(path, "action_endpoint")
    assert endpoint.url == "http://actions:5055/webhook"
    assert endpoint.headers == {TOKEN_HEADER: "the-shared-secret"}
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
    for name in ("tracker_store", "lock_store"):
        class_from_module_path(endpoints["additionalEndpoints"][name]["type"])
    channels = values["applicationSettings"]["credentials"]["additionalChannelCredentials"]
    credentials = yaml.safe_load((DEPLOY / "credentials.yml").read_text(encoding="utf-8"))
    development = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8"))
    rest = {name for name in development if name == "rest" or name.endswith(".RestInput")}
    assert rest and set(channels) == set(credentials) == set(development) - rest


def _load(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def _manifests() -> list[dict]:
    return list(yaml.safe_load_all((DEPLOY / "helm" / "extras.yml").read_text(encoding="utf-8")))


def test_the_image_runs_production_channels_and_the_hardened_action_server() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY deploy/credentials.yml ./credentials.yml" in dockerfile
    assert "ENV CHATBOT_ENV=production" in dockerfile
    assert not any(name == "rest" or name.endswith(".RestInput") for name in _load("credentials.yml"))


def test_the_image_copies_every_package_the_project_installs() -> None:
    """The ``chatbot`` command lives in ``cli/``: an image without it could not start a worker."""
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    include = next(line for line in pyproject if line.startswith("include = ["))
    packages = [pattern.rstrip("*") for pattern in ast.literal_eval(include.partition("=")[2].strip())]
    assert "cli" in packages and 'chatbot = "cli:main"' in pyproject
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    assert [package for package in packages if f"COPY {package} ./{package}" not in dockerfile] == []


def test_compose_publishes_only_the_proxy() -> None:
    compose = _load("docker-compose.yml")
    services = compose["services"]
    assert [name for name, service in services.items() if "ports" in service] == ["caddy"]
    assert compose["networks"]["internal"]["internal"] is True
    for name in ("postgres", "redis", "actions", "backup"):
        assert services[name]["networks"] == ["internal"], name
    actions = services["actions"]
    assert actions["entrypoint"] == ["chatbot"] and actions["command"][0] == "actions"
    assert {"ACTION_SERVER_TOKEN", "INVITE_CODE_PEPPER", "ACTION_SERVER_HOST"} <= set(actions["environment"])
    shared = compose["x-app"]["environment"]
    assert ":?" in shared["ACTION_SERVER_TOKEN"] and ":?" in shared["INVITE_CODE_PEPPER"]


def test_helm_lets_only_rasa_reach_the_action_server() -> None:
    values = yaml.safe_load((DEPLOY / "helm" / "values.yml").read_text(encoding="utf-8"))
    rasa_labels = values["podLabels"]
    endpoint = values["applicationSettings"]["endpoints"]["additionalEndpoints"]["action_endpoint"]
    assert endpoint["headers"] == {TOKEN_HEADER: "${ACTION_SERVER_TOKEN}"}
    assert not values["rasa-action-server"]["install"]
    assert {"ACTION_SERVER_TOKEN", "INVITE_CODE_PEPPER"} <= {e["name"] for e in values["extraEnv"]}
    manifests = _manifests()
    deployments = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Deployment"}
    actions = deployments["lop-hoc-an-toan-actions"]
    service = next(m for m in manifests if m["kind"] == "Service")
    assert endpoint["url"] == f"http://{service['metadata']['name']}:5055/webhook"
    pod_labels = actions["spec"]["template"]["metadata"]["labels"]
    container = actions["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:2] == ["chatbot", "actions"]
    policies = [m for m in manifests if m["kind"] == "NetworkPolicy"]
    guarding = [p for p in policies if p["spec"]["podSelector"]["matchLabels"] == pod_labels]
    assert len(guarding) == 1
    (rule,) = guarding[0]["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": rasa_labels}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": 5055}]
    assert any(p["spec"]["podSelector"]["matchLabels"] == rasa_labels for p in policies)
