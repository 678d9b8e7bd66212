"""The Vietnamese normaliser and the training-time typo variants."""

from __future__ import annotations

import random

import pytest

from chatbot.nlu.augment import augment, typo_variant
from chatbot.nlu.marks import mark
from chatbot.nlu.text import INVITE_PLACEHOLDER, normalize, replace_invite_codes, strip_diacritics


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Đăng nhập TRƯỚC giờ học", "dang nhap truoc gio hoc"),
        ("dang nhap truoc gio hoc", "dang nhap truoc gio hoc"),
        # decomposed (NFD) input, as some phone keyboards send it
        ("Te\u0302n hie\u0302\u0309n thi\u0323", "ten hien thi"),
        ("Con mình đc vào lớp onl ko ạ 🙏", "con minh duoc vao lop online khong a cam on"),
        ("hc j, ntn", "hoc gi nhu the nao"),
        ("tkb t5 của lớp 6A", "thoi khoa bieu thu 5 cua lop 6 a"),
        ("mai hc lúc 7h30", "mai hoc luc 7 gio 30"),
        ("KHÔNGGG ĐƯỢCCC!!!", "khong duoc"),
        ("kooo", "khong"),
        ("xin chào 😀🎉", "xin chao"),
        ("bb nhé", "tam biet nhe"),
        # a dispatch item keeps its numbers and gains its topic words
        ("mục 1.4.đ", "muc 1 4 dj trang phuc khong gian gio giac"),
        ("mục 1.4.d", "muc 1 4 d noi chuyen rieng viec rieng"),
        # Southern and Central words, by their accented spelling only
        ("con tui dô lớp hông", "con toi vao lop khong"),
        ("răng rứa", "nhu the nao vay"),
        ("điện thoại bị hỏng", "dien thoai bi hong"),
        # English loanwords and synonyms fold into one form
        ("cho xin link join lớp", "cho xin link vao lop"),
        ("share pass acc", "chia se mat khau tai khoan"),
        ("người tự xưng là cán bộ", "nguoi mao danh la can bo"),
        ("tôi muốn hủy liên kết", "toi muon huylienket"),
        ("cảm ơn, cấm bật cam", "cam on cam mo camera"),
        # the stop and start verbs, by their accented spelling only
        ("tắt ZNS giúp tôi", "ngung zns giup toi"),
        ("dừng lại", "ngung lai"),
        ("bật lại thông báo", "mo lai thong bao"),
        ("dùng zalo, đúng rồi, bắt buộc", "dung zalo dung roi bat buoc"),
        ("tat zns", "tat zns"),
        ("", ""),
        ("!!! ???", ""),
    ],
)
def test_normalize(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


def test_bn_means_how_many_before_a_unit_and_you_otherwise() -> None:
    assert normalize("vào lớp trước bn phút") == "vao lop truoc bao nhieu phut"
    assert normalize("học phí bn") == "hoc phi bao nhieu"
    assert normalize("bn là ai") == "ban la ai"


def test_strip_diacritics_keeps_case_and_maps_d_bar() -> None:
    assert strip_diacritics("Đặng Thị Ngọc Ánh") == "Dang Thi Ngoc Anh"


@pytest.mark.parametrize("code", ["ABCD-2345", "abcd-2345", "abcd2345", "K7MP X4QZ", "WXYZ-ABCD"])
def test_invite_codes_become_a_placeholder(code: str) -> None:
    assert normalize(f"mã của tôi {code} nhé") == f"ma cua toi {INVITE_PLACEHOLDER} nhe"


@pytest.mark.parametrize("text", ["chuc mung", "ABCD-1234", "ABCO-2345", "nam 2020 2021", "hoc sinh"])
def test_words_and_invalid_codes_are_not_placeholders(text: str) -> None:
    assert INVITE_PLACEHOLDER not in replace_invite_codes(text)


def test_typo_variant_is_deterministic_and_changes_text() -> None:
    text = "hoc sinh phai dang nhap truoc gio hoc"
    first = typo_variant(text, random.Random(7))
    assert first == typo_variant(text, random.Random(7))
    assert first != text


def test_short_words_are_left_alone() -> None:
    assert typo_variant("ok a", random.Random(1)) == "ok a"


def test_augment_keeps_originals_first_and_labels_aligned() -> None:
    texts, labels = ["hoc sinh vao lop", "xin chao ban"], ["a", "b"]
    all_texts, all_labels = augment(texts, labels, copies=3, seed=1)
    assert all_texts[:2] == texts and all_labels[:2] == labels
    assert len(all_texts) == len(all_labels) > 2
    assert (all_texts, all_labels) == augment(texts, labels, copies=3, seed=1)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # a negated verb is told apart from the verb; a closing "không" is a question
        ("không gửi nữa", "khong kgui nua _ke"),
        ("gửi đi em", "gui di em _ke"),
        ("đừng gửi báo nghỉ", "khong kgui bao nghi _ke"),
        ("số đó không phải của tôi", "so do khong kphai cua toi _ke"),
        ("có phải số của trường không", "co phai so cua truong khong _hoi"),
        ("có người lạ vào lớp thì báo ai", "co nguoi la vao lop thi bao ai _hoi"),
        ("có người lạ vào lớp", "co nguoi la vao lop _ke"),
        ("không ạ", "khong a _ke"),
        ("", "_ke"),
    ],
)
def test_sentence_marks(typed: str, expected: str) -> None:
    assert mark(normalize(typed)) == expected

