"""Sentence marks added to normalised text just before the intent model reads it.

Two signals that single words spread too thin for the classifier to learn from a few dozen
examples per intent:

1. Negation scope: a negator ("khong", "chua", "chang") before a verb also yields the verb
   becomes the verb with a ``k`` prefix ("khong gui" -> "khong kgui"), so "không gửi" no
   longer votes for "gửi" (a confirm) with the word it shares with its cancel.
2. Question or statement: a question word ("gi", "nao", "ai", "sao", "dau", "may") or a
   closing question particle ("... khong", "... chua", "... a") appends :data:`QUESTION`,
   anything else :data:`STATEMENT`. Rule questions ("có người lạ vào lớp thì báo ai") are
   questions; reports of something happening now ("có người lạ vào lớp") are statements.

The classifier's pipeline applies :func:`add_marks` itself (a ``FunctionTransformer``), so
every caller of the trained model gets the same input, and typing slips (training copies,
cross-validation re-scoring) reach the text before its marks are computed, as a user's would.
The ``_`` keeps a mark apart from any typed word. One pass over the tokens, no regular
expressions.
"""

from __future__ import annotations

from collections.abc import Iterable

QUESTION = "_hoi"
STATEMENT = "_ke"
NEGATORS = frozenset({"khong", "chua", "chang"})
# Words after a negator that are not the verb it negates (particles, pronouns, "nữa").
NOT_NEGATED = frozenset({"a", "nhe", "dau", "vay", "ha", "nhi", "chu", "em", "nua", "ban", "co",
                         "khong", "toi"})
QUESTION_WORDS = frozenset({"gi", "nao", "ai", "sao", "dau", "may"})
CLOSING_PARTICLES = frozenset({"khong", "chua", "a", "ha", "ho", "nhi", "sao"})
MIN_QUESTION_TOKENS = 3


def mark(text: str) -> str:
    """``text`` (normalised) with its negated verbs marked and a question/statement mark."""
    tokens = text.split()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        out.append(tokens[i])
        if tokens[i] in NEGATORS and i + 1 < len(tokens) and tokens[i + 1] not in NOT_NEGATED:
            out.append("k" + tokens[i + 1])
            i += 1
        i += 1
    asked = any(token in QUESTION_WORDS for token in tokens) or (
        len(tokens) >= MIN_QUESTION_TOKENS and tokens[-1] in CLOSING_PARTICLES)
    out.append(QUESTION if asked else STATEMENT)
    return " ".join(out)


def add_marks(texts: Iterable[str]) -> list[str]:
    """:func:`mark` over a batch (the first step of the intent model's pipeline)."""
    return [mark(text) for text in texts]
