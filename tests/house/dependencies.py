"""Which distributions the project's code imports, and which ``pyproject.toml`` declares."""

from __future__ import annotations

import re
import sys
from importlib.metadata import distributions

import tomli  # pytest brings it on Python 3.10

from tests.house.imports import PACKAGES, ROOT, imported_modules, source_files

# Declared without being imported: loaded by name at run time.
RUNTIME_ONLY = {
    "psycopg2-binary": "SQLAlchemy's driver for postgresql:// addresses",
    "python-multipart": "Starlette's form parsing (the web app's forms and uploads)",
}
# Imported modules that no installed distribution claims (or claims under another name).
_REQUIREMENT_NAME = re.compile(r"^[A-Za-z0-9._-]+")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomli.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set()
    for requirement in project["dependencies"]:
        match = _REQUIREMENT_NAME.match(requirement)
        assert match, requirement
        names.add(normalize(match.group(0)))
    return names


def imported_top_levels() -> dict[str, set[str]]:
    """Top-level module -> the project files importing it (standard library and own code left out)."""
    found: dict[str, set[str]] = {}
    for path in source_files():
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top and top not in sys.stdlib_module_names and top not in PACKAGES and top != "__future__":
                found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def module_owners() -> dict[str, list[str]]:
    """Top-level module -> the installed distributions whose files provide it (from RECORD)."""
    owners: dict[str, list[str]] = {}
    for distribution in distributions():
        tops = set()
        for file in distribution.files or ():
            top = file.parts[0]
            if top.endswith(".py"):
                top = top[:-3]
            elif top.endswith((".dist-info", ".egg-info", ".data", ".pth")) or top in ("..", "__pycache__"):
                continue
            tops.add(top)
        for top in tops:
            owners.setdefault(top, []).append(distribution.metadata["Name"])
    return owners


def imported_distributions() -> dict[str, set[str]]:
    """Distribution -> top-level modules of it that the code imports; unknown modules under ``?``."""
    owners = module_owners()
    result: dict[str, set[str]] = {}
    for top in imported_top_levels():
        for distribution in owners.get(top, ["?"]):
            result.setdefault(normalize(distribution), set()).add(top)
    return result
