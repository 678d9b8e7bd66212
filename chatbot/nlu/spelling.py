"""Typing-slip correction against the words of the training data.

A phone keyboard slip ("khng", "hcoj", "lcih", "conminh") turns a known word into an unknown
one, and the classifier then reads only its character n-grams. :class:`SpellingCorrector`
puts back the known word one edit away (a letter dropped, added, changed or two letters
swapped), or splits two words typed together, before the sentence marks and the features
are computed. Words it knows, short or very long words and words with digits are left as
they are.

The vocabulary is the set of words of the normalised training examples, counted, so that a
slip with several known neighbours gets the most frequent one. Dictionary lookups only: each
unknown word costs a few hundred set lookups, in time linear in its length.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from string import ascii_lowercase

from sklearn.base import BaseEstimator, TransformerMixin

from chatbot.nlu.augment import NEIGHBOURS

MIN_LENGTH = 3  # shorter words have too many neighbours to guess from
# Longer words are left as they are: two Vietnamese syllables typed together are at most 14
# letters ("nghieng" has 7), and the candidates grow with the square of a word's length, so a
# crafted message of one 4,000-letter word must not reach them.
MAX_LENGTH = 16
MIN_PART = 2  # each part of a split run-together word


def _one_edit(word: str) -> Iterable[tuple[int, str]]:
    """Every string one edit from ``word``, ranked by how likely a phone slip makes it: two
    letters swapped or a neighbouring key (0), a letter dropped (1), any other letter or an
    extra letter (2)."""
    for i in range(len(word) + 1):
        left, right = word[:i], word[i:]
        for letter in ascii_lowercase:
            yield 1, left + letter + right
        if not right:
            continue
        yield 2, left + right[1:]
        if len(right) > 1:
            yield 0, left + right[1] + right[0] + right[2:]
        near = NEIGHBOURS.get(right[0], "")
        for letter in ascii_lowercase:
            yield (0 if letter in near else 2), left + letter + right[1:]


def word_counts(texts: Iterable[str]) -> dict[str, int]:
    """How often each word occurs in ``texts`` (the corrector's vocabulary)."""
    return dict(Counter(word for text in texts for word in text.split()))


class SpellingCorrector(TransformerMixin, BaseEstimator):
    """Replace unknown words by their most frequent known neighbour (see the module docstring).

    ``vocabulary`` maps each known word to its count; when it is ``None``, :meth:`fit` counts
    the words of the texts it is given.
    """

    def __init__(self, vocabulary: dict[str, int] | None = None) -> None:
        self.vocabulary = vocabulary

    def fit(self, texts: Iterable[str], y: object = None) -> SpellingCorrector:
        if self.vocabulary is None:
            self.vocabulary = word_counts(texts)
        return self

    def transform(self, texts: Iterable[str]) -> list[str]:
        return [self.correct(text) for text in texts]

    def correct(self, text: str) -> str:
        """``text`` with each unknown word corrected where a known neighbour exists."""
        return " ".join(self.correct_word(word) for word in text.split())

    def correct_word(self, word: str) -> str:
        known = self.vocabulary or {}
        if word in known or not MIN_LENGTH <= len(word) <= MAX_LENGTH or not word.isalpha():
            return word
        best = min(
            ((rank, -known[candidate], candidate) for rank, candidate in _one_edit(word)
             if candidate in known),
            default=None,
        )
        if best is not None:
            return best[2]
        splits = [
            (min(known[word[:i]], known[word[i:]]), word[:i], word[i:])
            for i in range(MIN_PART, len(word) - MIN_PART + 1)
            if word[:i] in known and word[i:] in known
        ]
        if splits:
            _, first, second = max(splits)
            return f"{first} {second}"
        return word
