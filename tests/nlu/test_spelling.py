"""Typing-slip correction (chatbot/nlu/spelling.py) and its place in the intent model."""

from __future__ import annotations

import pytest

from chatbot.nlu.model import ModelConfig, train_model
from chatbot.nlu.spelling import SpellingCorrector

KNOWN = {"khong": 50, "hoc": 30, "co": 90, "con": 40, "minh": 20, "lich": 10, "ho": 5, "gui": 8}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("khng", "khong"),  # a letter dropped
        ("hco", "hoc"),  # two letters swapped, though "co" is one deletion away and more frequent
        ("lcih", "lich"),
        ("khonh", "khong"),  # a neighbouring key
        ("conminh", "con minh"),  # two words typed together
        ("khong", "khong"),  # known words stay
        ("gi", "gi"),  # too short to guess
        ("lop7", "lop7"),  # digits are not slips
        ("zzzzq", "zzzzq"),  # nothing near
    ],
)
def test_a_slip_gets_its_nearest_known_word(typed: str, expected: str) -> None:
    assert SpellingCorrector(KNOWN).correct_word(typed) == expected


def test_a_word_longer_than_two_syllables_is_left_alone() -> None:
    # Its candidates grow with the square of its length: a crafted 4,000-letter word must not
    # reach them, even when it is one letter from a known word.
    long_known = "nghieng" * 3
    corrector = SpellingCorrector({**KNOWN, long_known: 1, "nghieng": 4})
    assert corrector.correct_word(long_known + "x") == long_known + "x"
    assert corrector.correct_word("nghiengg") == "nghieng"  # within the bound, as before
    corrector = SpellingCorrector(KNOWN)
    assert corrector.correct_word("conminhkhong") == "conminhkhong"  # three words: beyond one split
    assert corrector.correct_word("khonghoc") == "khong hoc"


def test_fit_counts_the_words_when_no_vocabulary_is_given() -> None:
    corrector = SpellingCorrector().fit(["lich hoc", "lich thi", "hoc online"])
    assert corrector.vocabulary == {"lich": 2, "hoc": 2, "thi": 1, "online": 1}
    assert corrector.transform(["lcih hco onilne"]) == ["lich hoc online"]


def test_the_model_corrects_slips_against_its_training_words_only() -> None:
    texts = ["lich hoc ngay mai", "thoi khoa bieu tuan nay", "cam on nhieu", "cam on em",
             "tam biet nhe", "hen gap lai"]
    labels = ["ask_timetable", "ask_timetable", "thank", "thank", "goodbye", "goodbye"]
    pipeline = train_model(texts, labels, ModelConfig(typo_copies=2))
    corrector = pipeline.named_steps["spelling"]
    assert set(corrector.vocabulary) == {word for text in texts for word in text.split()}
    assert pipeline.predict(["lcih hco ngya mai"])[0] == "ask_timetable"


def test_the_corrector_can_be_switched_off() -> None:
    pipeline = train_model(["xin chao", "tam biet"], ["greet", "goodbye"], ModelConfig(spelling=False))
    assert "spelling" not in pipeline.named_steps
