"""One voice: every reply a person can receive addresses them as docs/replies.md says.

For every response in the domain, every role and every channel, the variation Rasa would pick
(through the project's NLG) is scanned for the forms that role must never see. The actions
send only domain responses, so this covers every fixed reply text. The replies connectors send
without Rasa (:data:`chatbot.replies.CHANNEL_REPLIES`) reach someone whose role is unknown:
they are scanned as spoken to a group ("Quý phụ huynh và các em"), on every channel.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache

import pytest
from rasa.core.nlg.generator import ResponseVariationFilter

from chatbot.replies import CHANNEL_REPLIES
from chatbot.reply_roles import GUEST, ROLES, fitting_role
from tests.chatbot.domain.rasa_project import PROJECT_ROOT, domain_responses

CHANNELS = ("telegram", "zalo", "zalo_bot", "rest")

# The bot calling itself "trợ lý" as the subject of what it does (to adults it is "em").
_ASSISTANT_AS_SUBJECT = r"\btrợ lý (?:đã|sẽ|chưa|vừa|đang|gửi|ghi|kiểm tra|chỉ|không|xin|có thể|giúp|cần)\b"
# Calling an adult "em" (or the bot "em" while also calling the person "em").
_ADULT_AS_EM = r"\b(?:chào em|em hãy|em nhé|em gõ|em bấm|em nhớ|em vui lòng|em cứ|em có muốn|em muốn)\b"
_ADDRESSING_FAMILY = r"\bQuý phụ huynh (?:vui lòng|hãy|cần|bấm|gõ|chọn|nhắn|có thể|cứ|muốn)\b"
_ADDRESSING_TEACHER = r"\bthầy cô (?:vui lòng|hãy|bấm|gõ|chọn|cứ)\b"

FORBIDDEN: dict[str, list[tuple[str, str]]] = {
    "student": [
        (r"\bQuý phụ huynh\b", "a student is not «Quý phụ huynh»"),
        (r"^Dạ\b", "«Dạ» is for adults; a student gets «Chào em» or a plain sentence"),
        (r"\bạ\b", "«ạ» defers to an elder; to a student the assistant says «nhé»"),
        (r"\b(?:các con|của con|cho con)\b", "to a student their own class is «của em»"),
        (r"\b[Ee]m (?:đã|sẽ|chưa|vừa) (?:ghi nhận|kiểm tra|tìm|hiểu|dừng|hủy|chuyển tới)\b",
         "to a student the assistant calls itself «trợ lý», not «em»"),
        (_ADDRESSING_TEACHER, "a student is not «thầy cô»"),
    ],
    "parent": [
        (_ASSISTANT_AS_SUBJECT, "to an adult the assistant calls itself «em»"),
        (_ADULT_AS_EM, "an adult is never «em»"),
        (_ADDRESSING_TEACHER, "a parent is not «thầy cô»"),
    ],
    GUEST: [
        (_ASSISTANT_AS_SUBJECT, "to an adult the assistant calls itself «em»"),
        (_ADULT_AS_EM, "an adult is never «em»"),
    ],
    "teacher": [
        (_ASSISTANT_AS_SUBJECT, "to a teacher the assistant calls itself «em»"),
        (_ADULT_AS_EM, "a teacher is never «em»"),
        (_ADDRESSING_FAMILY, "a teacher is «thầy cô», not «Quý phụ huynh»"),
        (r"\b(?:em chào Quý phụ huynh|Cảm ơn Quý phụ huynh)\b", "a teacher is «thầy cô»"),
    ],
}
FORBIDDEN["staff"] = FORBIDDEN["teacher"]
# Sent by a connector, which does not know who writes: addressed to a group or unknown person.
GROUP = "group"
FORBIDDEN[GROUP] = [
    (_ASSISTANT_AS_SUBJECT, "to a group the assistant calls itself «em»"),
    (r"(?<!các )" + _ADULT_AS_EM, "a group is «Quý phụ huynh và các em», never «em» alone"),
    (_ADDRESSING_TEACHER, "an unknown person is not «thầy cô»"),
    (r"\bQuý phụ huynh\b(?! và các em)", "an unknown person is «Quý phụ huynh và các em»"),
]
# One spelling, one way to write times and quotes, in every reply (docs/replies.md).
EVERYONE = [
    (r"\b(?:huỷ|khoá|thuỷ|quý khách)\b", "one spelling: hủy, khóa"),
    (r"(?<![\d:])\d:\d\d\b", "times are written 07:30"),
    (r"[«»\"]", "quotes are “…”"),
    (r"phiên bản", "no version labels in replies"),
]


def _variations(name: str, variations: list[dict], role: str, channel: str) -> list[dict]:
    role = None if role == GROUP else fitting_role(variations, role)
    return ResponseVariationFilter({name: variations}).responses_for_utter_action(
        name, channel, {"role": role})


@lru_cache(maxsize=1)
def _responses() -> dict[str, list[dict]]:
    return domain_responses()


def _problems(name: str) -> list[str]:
    """Each way ``name`` breaks the table: the role, the rule and the start of the text."""
    problems: dict[tuple[str, str, str], None] = {}
    for role in (GROUP,) if name in CHANNEL_REPLIES else ROLES:
        for channel in CHANNELS:
            for variation in _variations(name, _responses()[name], role, channel):
                text = variation.get("text") or ""
                titles = " ".join(b.get("title", "") for b in variation.get("buttons") or ())
                for pattern, why in FORBIDDEN[role] + EVERYONE:
                    if re.search(pattern, text, flags=re.MULTILINE) or re.search(pattern, titles):
                        problems[(role, why, text[:70])] = None
    return [f"[{role}] {why}: {text!r}" for role, why, text in problems]


@pytest.mark.parametrize("name", sorted(_responses()))
def test_every_reply_addresses_each_role_as_the_style_table_says(name: str) -> None:
    problems = _problems(name)
    assert not problems, f"{name} breaks the forms of address:\n" + "\n".join(problems)


@pytest.mark.parametrize(("role", "text"), [
    ("student", "Dạ, em chào Quý phụ huynh ạ."),
    ("student", "Lịch học của con ngày mai."),
    ("parent", "Chào em, trợ lý gửi em lịch học."),
    ("teacher", "Quý phụ huynh vui lòng gõ mã mời."),
    (GUEST, "Dạ, trợ lý chưa hiểu câu hỏi."),
    ("parent", "Lớp bắt đầu lúc 7:30 «Toán»."),
    (GROUP, "Dạ, Quý phụ huynh vui lòng gõ lại câu hỏi ạ."),
])
def test_the_scan_catches_a_wrong_form(role: str, text: str) -> None:
    assert any(re.search(p, text, flags=re.MULTILINE) for p, _ in FORBIDDEN[role] + EVERYONE)


@pytest.mark.parametrize(("role", "text"), [
    ("student", "Chào em, trợ lý gửi em lịch học tuần này nhé."),
    ("parent", "Dạ, em gửi Quý phụ huynh lịch học của con lúc 07:30 ạ."),
    ("teacher", "Dạ, em đã gửi thông báo tới 32 gia đình lớp 6A ạ."),
    (GROUP, "Dạ, em chào Quý phụ huynh và các em."),
])
def test_the_scan_lets_the_right_form_through(role: str, text: str) -> None:
    assert not any(re.search(p, text, flags=re.MULTILINE) for p, _ in FORBIDDEN[role] + EVERYONE)


def _utter_calls() -> list[tuple[str, int, ast.Call]]:
    calls = []
    for path in sorted((PROJECT_ROOT / "actions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                    node.func.attr == "utter_message"):
                calls.append((path.name, node.lineno, node))
    return calls


def test_actions_send_domain_responses_not_texts() -> None:
    """Every fixed reply lives in the domain: no action writes ``text=`` itself."""
    offenders = [f"{name}:{line}" for name, line, call in _utter_calls()
                 if any(k.arg in ("text", "json_message") for k in call.keywords)
                 or not any(k.arg == "response" for k in call.keywords)]
    assert not offenders, "utter_message without a domain response: " + ", ".join(offenders)
