"""Every pattern over chat text runs in linear time, and so does every text reader.

Two proofs, one structural and one measured:

1. Structure. Python's ``re`` backtracks, so a pattern is slow when one attempt can scan an
   unbounded stretch of text and then fail at many starting points. A pattern whose longest
   match is bounded (``sre_parse`` computes the width) examines at most a fixed number of
   characters per starting point, so any search, sub or findall with it is linear in the text.
   Every regular expression written in the modules that read chat text, and every regex of
   the NLU data, must have a bounded width; unbounded runs are scanned with plain string code.
   (RE2 would guarantee linear time for any pattern, but it has no look-around and only ASCII
   ``\\b``/``\\w``, which the Vietnamese patterns rely on.)
2. Measurement. Each text reader gets crafted messages (tests/house/adversarial.py) of
   4,096 and 16,384 characters: CPU time may grow about 4×; the bound is 10× (quadratic
   growth would be 16×, cubic 64×), and 4,096 characters must take under half a second.
"""

from __future__ import annotations

import ast
import re
import sre_constants
import sre_parse
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from chatbot.nlu.text import normalize, replace_invite_codes
from chatbot.school.child_names import find_children
from chatbot.school.dates import fold, parse_day_query, parse_when
from chatbot.school.display_names import candidate_in_message, check_display_name, strip_verdict_question
from chatbot.school.incidents import kind_in
from chatbot.school.invites import find_code
from chatbot.school.timetable import mentioned_class
from chatbot.school.unanswered import scrub
from chatbot.settings import PROJECT_ROOT, TIMEZONE
from tests.house.adversarial import family, seconds_per_call

SCANNED = ("chatbot", "actions", "connectors", "cli")
NOT_CHAT_TEXT = {
    "chatbot/school/importing/": "cells of the school's own spreadsheets",
    "cli/": "command-line arguments of school staff",
    "chatbot/school/reporting.py": "escapes the assistant's own report text",
    "chatbot/nlu/evaluation.py": "reads the project's training data",
    "chatbot/db/migrations/": "no text at all",
}
RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split"}
FLAG_POSITION = {"compile": 1, "search": 2, "match": 2, "fullmatch": 2, "findall": 2, "finditer": 2,
                 "split": 3, "sub": 4, "subn": 4}

SHORT = 4096  # and 4 × 4,096
GROWTH_LIMIT = 10.0
ABSOLUTE_LIMIT = 0.5  # seconds for one 4,096-character message


def _scanned_files() -> Iterator[Path]:
    for top in SCANNED:
        for path in sorted((PROJECT_ROOT / top).rglob("*.py")):
            relative = path.relative_to(PROJECT_ROOT).as_posix()
            if not any(relative.startswith(prefix) for prefix in NOT_CHAT_TEXT):
                yield path


def _flags(node: ast.expr | None) -> int:
    if node is None:
        return 0
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
        return int(getattr(re, node.attr))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left) | _flags(node.right)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    raise AssertionError(f"flags not understood: {ast.dump(node)}")


def written_patterns() -> list[tuple[str, str, int]]:
    """(where, pattern, flags) of every ``re`` call in the scanned modules."""
    found = []
    for path in _scanned_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            func = node.func if isinstance(node, ast.Call) else None
            if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.value.id == "re" and func.attr in RE_FUNCTIONS):
                continue
            where = f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}"
            pattern = node.args[0] if node.args else None
            assert isinstance(pattern, ast.Constant) and isinstance(pattern.value, str), (
                f"{where}: the pattern must be a literal so that this test can check it"
            )
            position = FLAG_POSITION[func.attr]
            flag_node = node.args[position] if len(node.args) > position else next(
                (k.value for k in node.keywords if k.arg == "flags"), None
            )
            found.append((where, pattern.value, _flags(flag_node)))
    return found


def data_patterns() -> list[tuple[str, str, int]]:
    """The regexes of the NLU data (RegexEntityExtractor runs them on every message)."""
    found = []
    for path in sorted((PROJECT_ROOT / "chatbot" / "data").rglob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "regex" in item:
                for line in item["examples"].splitlines():
                    if line.strip().startswith("- "):
                        found.append((f"{path.name}: {item['regex']}", line.strip()[2:], re.IGNORECASE))
    return found


def max_width(pattern: str, flags: int) -> int:
    return sre_parse.parse(pattern, flags).getwidth()[1]


def test_the_scan_finds_the_patterns_it_must_check() -> None:
    places = {where.split(":")[0] for where, _, _ in written_patterns()}
    assert {"chatbot/school/display_names.py", "chatbot/school/dates.py", "chatbot/nlu/text.py",
            "chatbot/school/unanswered.py", "actions/common.py"} <= places
    assert data_patterns(), "the invite code regexes of the NLU data"


@pytest.mark.parametrize(("where", "pattern", "flags"), written_patterns() + data_patterns())
def test_every_pattern_over_chat_text_has_a_bounded_width(where: str, pattern: str, flags: int) -> None:
    assert max_width(pattern, flags) < sre_constants.MAXREPEAT, (
        f"{where}: {pattern!r} can match an unbounded stretch of text; bound its repeats "
        "({0,n}) or scan with string methods"
    )


def test_the_width_check_catches_the_patterns_that_froze_the_assistant() -> None:
    quoted = r"[\"“”'‘’«»]\s*([^\"“”'‘’«»]{3,})\s*[\"“”'‘’«»]"
    trailing = r"\s*(?:có\s+)?(?:đúng|sai)(?:\s+(?:chưa|không))*\s*[?!.]*$"
    assert max_width(quoted, 0) == sre_constants.MAXREPEAT
    assert max_width(trailing, re.IGNORECASE) == sre_constants.MAXREPEAT


NOW = datetime(2026, 12, 2, 10, 0, tzinfo=TIMEZONE)
TODAY = date(2026, 12, 2)
READERS: dict[str, Callable[[str], object]] = {
    "normalize": normalize,
    "replace_invite_codes": replace_invite_codes,
    "find_code": find_code,
    "fold": fold,
    "parse_day_query": lambda text: parse_day_query(text, TODAY),
    "parse_when": lambda text: parse_when(text, NOW),
    "candidate_in_message": candidate_in_message,
    "strip_verdict_question": strip_verdict_question,
    "check_display_name": lambda text: check_display_name(text, 5, "Nguyễn Minh Anh", "6A"),
    "kind_in": kind_in,
    "mentioned_class": mentioned_class,
    "scrub": scrub,
    "find_children": lambda text: find_children(text, [(1, "Nguyễn Thị Mai"), (2, "Nguyễn Minh Anh")]),
}


def assert_linear(call: Callable[[str], object], label: str, size: int = SHORT) -> None:
    """``call`` takes at most :data:`GROWTH_LIMIT` times longer on 4× longer crafted texts."""
    short, long = family(size), family(4 * size)
    for name in short:
        small = seconds_per_call(lambda text=short[name]: call(text))
        assert small < ABSOLUTE_LIMIT, f"{label} took {small:.2f} s on {size} characters of {name!r}"
        large = seconds_per_call(lambda text=long[name]: call(text))
        growth = large / max(small, 20e-6)
        assert growth < GROWTH_LIMIT, (
            f"{label}: {name!r} took {small * 1e3:.2f} ms at {size} and {large * 1e3:.2f} ms at "
            f"{4 * size} characters ({growth:.1f}×, linear is about 4×)"
        )


@pytest.mark.parametrize("reader", sorted(READERS))
def test_text_readers_take_linear_time(reader: str) -> None:
    assert_linear(READERS[reader], reader)


def test_the_growth_check_catches_a_quadratic_reader() -> None:
    quadratic = re.compile(r"\s*y$")  # rescans the whitespace from every starting point
    with pytest.raises(AssertionError):
        assert_linear(lambda text: quadratic.search(text), "quadratic")
