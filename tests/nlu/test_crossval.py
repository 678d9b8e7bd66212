"""Paraphrase-grouped cross-validation: groups, folds that never split a group, figures."""

from __future__ import annotations

from collections import defaultdict

from sklearn.model_selection import StratifiedGroupKFold

from chatbot.nlu.crossval import (
    Example,
    cross_validate,
    derived_groups,
    grouping_key,
    load_grouped_examples,
    report,
    style_of,
)
from chatbot.nlu.model import ModelConfig
from chatbot.nlu.text import normalize


def test_respellings_of_one_sentence_share_a_group_and_short_replies_do_not_chain() -> None:
    texts = ["Tôi muốn liên kết tài khoản", "toi muon lien ket tai khoan", "t muốn liên kết tk",
             "có", "có nhé", "có chứ", "mật khẩu lớp là gì"]
    groups = derived_groups([normalize(t) for t in texts])
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] == groups[4] and groups[5] != groups[3]
    assert len({groups[0], groups[3], groups[6]}) == 3


def test_words_read_by_their_accents_still_group_their_respellings() -> None:
    # The normaliser reads "tắt" and "đừng" by their accents; the group key does not, so a
    # sentence and its unaccented spelling are never judged by a model that saw the other.
    texts = ["tắt ZNS giúp tôi", "tat zns giup toi", "đừng gửi tin này", "dung gui tin nay"]
    assert normalize(texts[0]) != normalize(texts[1])
    groups = derived_groups([grouping_key(t) for t in texts])
    assert groups[0] == groups[1] and groups[2] == groups[3]
    groups_by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
    for example in load_grouped_examples():
        groups_by_key[example.intent, grouping_key(example.text)].add(example.group)
    assert all(len(found) == 1 for found in groups_by_key.values())


def test_style_of_a_training_example() -> None:
    assert style_of("Con mình đc vào lớp ko") == "abbreviated"
    assert style_of("Con tôi vào lớp thế nào") == "accented"
    assert style_of("con toi vao lop the nao") == "unaccented"


def test_training_examples_carry_groups_and_no_group_spans_two_intents() -> None:
    examples = load_grouped_examples()
    intents_of = defaultdict(set)
    for example in examples:
        intents_of[example.group].add(example.intent)
    assert all(len(intents) == 1 for intents in intents_of.values())
    assert len(intents_of) < len(examples)


def test_no_group_is_split_across_folds() -> None:
    examples = load_grouped_examples()
    labels, groups = [e.intent for e in examples], [e.group for e in examples]
    splitter = StratifiedGroupKFold(5, shuffle=True, random_state=42)
    for train_idx, test_idx in splitter.split(labels, labels, groups):
        assert not {groups[i] for i in train_idx} & {groups[i] for i in test_idx}


def test_cross_validation_reports_every_intent_and_style() -> None:
    rows = {
        "greet": ["xin chào", "chào bạn", "chào em nhé", "hello", "chào buổi sáng", "alo",
                  "chào trợ lý", "hi bạn", "xin chào ạ", "chào cô"],
        "thank": ["cảm ơn", "cảm ơn nhiều", "thanks", "cám ơn em", "tks bạn", "cảm ơn cô",
                  "cảm ơn trợ lý", "rất cảm ơn", "cám ơn nhé", "thank you"],
    }
    examples = [Example(t, intent, normalize(t), f"{intent}#{i}", style_of(t))
                for intent, texts in rows.items() for i, t in enumerate(texts)]
    result = cross_validate(examples, ModelConfig(typo_copies=1), folds=2)
    assert set(result.intents.total) == {"greet", "thank"}
    assert sum(result.intents.total.values()) == len(examples)
    assert "typos" in result.styles.total
    assert 0.5 <= result.overall <= 1.0
    assert "grouped cross-validation accuracy" in report(result)
