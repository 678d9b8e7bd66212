"""Training-time typo variants of normalised examples (never written to data files).

Accents and teencode are already folded away by :func:`chatbot.nlu.text.normalize`, so the
only noise left to teach the classifier is the typing slip: a letter dropped, two letters
swapped, a neighbouring key hit, or two words run together.
"""

from __future__ import annotations

import random

# Neighbouring keys on a QWERTY phone keyboard (lower-case letters only).
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS: dict[str, str] = {
    key: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row))
    for row in _ROWS
    for i, key in enumerate(row)
}


def _drop_letter(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    return word[:i] + word[i + 1 :]


def _swap_letters(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _neighbour_key(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    options = NEIGHBOURS.get(word[i])
    return word[:i] + rng.choice(options) + word[i + 1 :] if options else word


def typo_variant(text: str, rng: random.Random, slips: int = 1) -> str:
    """Return ``text`` with ``slips`` random typing slips in words of three letters or more."""
    words = text.split()
    for _ in range(slips):
        candidates = [i for i, word in enumerate(words) if len(word) >= 3 and word.isalpha()]
        if not candidates:
            break
        i = rng.choice(candidates)
        kind = rng.randrange(4)
        if kind == 3 and i + 1 < len(words):
            words[i : i + 2] = [words[i] + words[i + 1]]
            continue
        slip = (_drop_letter, _swap_letters, _neighbour_key)[kind % 3]
        words[i] = slip(words[i], rng)
    return " ".join(words)


def augment(texts: list[str], labels: list[str], copies: int, seed: int) -> tuple[list[str], list[str]]:
    """Originals followed by ``copies`` typo variants of each; deterministic for a seed."""
    rng = random.Random(seed)
    out_texts, out_labels = list(texts), list(labels)
    for _ in range(copies):
        for text, label in zip(texts, labels, strict=True):
            variant = typo_variant(text, rng, slips=rng.choice((1, 1, 2)))
            if variant != text:
                out_texts.append(variant)
                out_labels.append(label)
    return out_texts, out_labels
