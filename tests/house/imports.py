"""Read the project's imports with :mod:`ast` (nothing is imported)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("chatbot", "connectors", "actions", "web", "cli")
SKIPPED_DIRS = {"migrations", "__pycache__"}


def source_files(packages: tuple[str, ...] = PACKAGES) -> Iterator[Path]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
                yield path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imported_modules(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, at any depth (inside functions too), as absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = module_name(path)
    package = own if is_package(path) else own.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def known_modules() -> set[str]:
    return {module_name(path) for path in source_files()}


def _has_subpackages(package: str) -> bool:
    return any((child / "__init__.py").is_file() for child in (ROOT / package).iterdir())


def unit_of(module: str, modules: set[str]) -> str | None:
    """The graph node of a project module, or None for code outside the project.

    A subpackage (``chatbot.school``) is one node; so is a flat package (``connectors``). In a
    package that has subpackages (``chatbot``, ``web``), each module directly inside it is a
    node of its own (``chatbot.settings``, ``web.app``): those are small modules with one job.
    """
    while module and module not in modules:
        module = module.rpartition(".")[0]
    if not module:
        return None
    parts = module.split(".")
    if len(parts) == 1 or not _has_subpackages(parts[0]):
        return parts[0]
    return ".".join(parts[:2])


def _is_package_root(unit: str) -> bool:
    """``chatbot`` or ``web`` itself: only their ``__init__``, which every module of theirs passes
    through (``from chatbot import settings``); not an edge. A flat package (``connectors``) is a
    real node."""
    return unit in PACKAGES and _has_subpackages(unit)


def package_graph() -> dict[str, set[str]]:
    """Edges between package-level units (``chatbot.school`` -> ``chatbot.delivery``)."""
    modules = known_modules()
    graph: dict[str, set[str]] = {}
    for path in source_files():
        source = unit_of(module_name(path), modules)
        assert source is not None
        targets = graph.setdefault(source, set())
        for imported in imported_modules(path):
            target = unit_of(imported, modules)
            if target is not None and target != source and not _is_package_root(target):
                targets.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for following in sorted(graph.get(node, ())):
            if state.get(following) == 1:
                return path[path.index(following):] + [following]
            if following not in state:
                found = visit(following)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None
