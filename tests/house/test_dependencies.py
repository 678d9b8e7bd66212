"""Every imported package is declared in pyproject.toml, every declared one is used, and the
production image installs no test tools."""

from __future__ import annotations

import re

import tomli  # pytest brings it on Python 3.10

from tests.house.dependencies import ROOT, RUNTIME_ONLY, declared, imported_distributions, normalize


def test_every_imported_package_is_declared() -> None:
    imported = imported_distributions()
    assert "?" not in imported, f"modules no installed distribution provides: {imported.get('?')}"
    assert sorted(set(imported) - declared()) == []


def test_every_declared_package_is_imported_or_loaded_at_run_time() -> None:
    unused = declared() - set(imported_distributions())
    assert sorted(unused - set(RUNTIME_ONLY)) == []
    assert set(RUNTIME_ONLY) <= declared()


def _locked(name: str) -> set[str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return {normalize(line.split("==")[0]) for line in lines if line and not line.startswith("#")}


def test_the_production_image_installs_no_test_tools() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    installs = re.findall(r"pip install[^\n]*", dockerfile)
    assert installs and not any("[dev]" in line or "requirements-dev" in line for line in installs)
    project = tomli.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev = project["optional-dependencies"]["dev"]
    tools = {normalize(re.match(r"[A-Za-z0-9._-]+", r).group(0)) for r in dev}
    assert tools <= _locked("requirements-dev.lock")
    assert not tools & _locked("requirements.lock"), "requirements.lock (the image's) pins test tools"
