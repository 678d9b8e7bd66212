"""What the Rasa project declares and what the code sends: domain intents, responses, forms,
button payloads, and the responses actions pick by name. Read from files; no Rasa imports."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from chatbot.settings import PROJECT_ROOT

BOT_DIR = PROJECT_ROOT / "chatbot"
DOMAIN_DIR = BOT_DIR / "domain"
CONFIG = BOT_DIR / "config.yml"
CODE_DIRS = (PROJECT_ROOT / "actions", BOT_DIR, PROJECT_ROOT / "connectors")
_INTENT_PAYLOAD = re.compile(r"^/([A-Za-z_][A-Za-z0-9_]*)")


def _domain_files() -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for path in sorted(DOMAIN_DIR.glob("*.yml"))]


def domain_intents() -> set[str]:
    return {i if isinstance(i, str) else next(iter(i)) for d in _domain_files()
            for i in d.get("intents", []) or []}


def domain_responses() -> dict[str, list[dict]]:
    return {name: variations for d in _domain_files()
            for name, variations in (d.get("responses") or {}).items()}


def form_ask_responses() -> set[str]:
    """``utter_ask_<slot>`` and ``utter_ask_<form>_<slot>`` of every required slot: Rasa's
    form action utters them itself, so no story names them."""
    names = set()
    for d in _domain_files():
        for form, spec in (d.get("forms") or {}).items():
            for slot in (spec or {}).get("required_slots", []) or []:
                names |= {f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"}
    return names


def rasa_default_responses() -> set[str]:
    """Responses Rasa's own default actions utter, when the config uses those actions."""
    policies = yaml.safe_load(CONFIG.read_text(encoding="utf-8")).get("policies", [])
    fallback = next((p.get("core_fallback_action_name", "action_default_fallback")
                     for p in policies if p.get("name") == "RulePolicy"), None)
    return {"utter_default"} if fallback == "action_default_fallback" else set()


def python_sources() -> Iterator[tuple[Path, ast.Module]]:
    for folder in CODE_DIRS:
        for path in sorted(folder.rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments."""
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def responses_named_in_code() -> set[str]:
    """Every string literal ``utter_…`` in the Python code: responses actions pick by name."""
    return {node.value for _, tree in python_sources() for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.fullmatch(r"utter_[a-z0-9_]+", node.value)}


def _payload_intent(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The intent of a ``/intent…`` payload expression: a literal, ``"/x" + …`` or ``f"/{X}…"``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _payload_intent(node.left, constants)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        match = _INTENT_PAYLOAD.match(node.value)
        return match.group(1) if match else None
    if isinstance(node, ast.JoinedStr) and node.values:
        head = node.values[0]
        if isinstance(head, ast.Constant) and head.value == "/" and len(node.values) > 1:
            part = node.values[1]
            if isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name):
                return constants.get(part.value.id)
        return _payload_intent(head, constants) if isinstance(head, ast.Constant) else None
    return None


def _is_payload_keyword(node: ast.AST) -> bool:
    return isinstance(node, ast.keyword) and node.arg == "payload"


def _is_payload_assignment(node: ast.AST) -> bool:
    return isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "payload" for t in node.targets
    )


def button_intents_in_code() -> dict[str, str]:
    """Intent -> ``file:line`` of each button payload built in code: ``{"payload": …}`` dicts,
    ``payload=…`` keywords and assignments to a name ``payload``."""
    found: dict[str, str] = {}
    for path, tree in python_sources():
        constants = _string_constants(tree)
        for node in ast.walk(tree):
            candidates: list[ast.expr] = []
            if isinstance(node, ast.Dict):
                candidates = [v for k, v in zip(node.keys, node.values, strict=True)
                              if isinstance(k, ast.Constant) and k.value == "payload"]
            elif _is_payload_keyword(node) or _is_payload_assignment(node):
                candidates = [node.value]
            for value in candidates:
                if intent := _payload_intent(value, constants):
                    found.setdefault(intent, f"{path.relative_to(PROJECT_ROOT)}:{value.lineno}")
    return found


def button_intents_in_domain() -> dict[str, str]:
    """Intent -> response name of each ``/intent`` button payload in the domain."""
    found: dict[str, str] = {}
    for name, variations in domain_responses().items():
        for variation in variations:
            for button in variation.get("buttons", []) or []:
                if match := _INTENT_PAYLOAD.match(str(button.get("payload", ""))):
                    found.setdefault(match.group(1), name)
    return found
