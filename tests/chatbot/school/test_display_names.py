"""The display name form (item 1.4.b): tolerant of spacing and case, strict on diacritics and roll."""

from __future__ import annotations

import pytest

from chatbot.school.display_names import (
    NameProblem,
    candidate_in_message,
    check_display_name,
    required_display_name,
)
from chatbot.settings import reset_settings


@pytest.mark.parametrize(
    ("typed", "problems"),
    [
        ("05 - Nguyễn Minh Anh", ()),
        ("05-nguyễn   MINH anh", ()),
        ("05 -Nguyễn Minh Anh ", ()),
        ("05 - Nguyen Minh Anh", (NameProblem.DIACRITICS,)),
        ("05 - Nguyễn Mính Anh", (NameProblem.DIACRITICS,)),
        ("05 - Nguyễn Minh Ánh Dương", (NameProblem.WRONG_NAME,)),
        ("06 - Nguyễn Minh Anh", (NameProblem.WRONG_ROLL,)),
        ("Nguyễn Minh Anh", (NameProblem.NO_ROLL,)),
        ("5 - Nguyễn Minh Anh", (NameProblem.LAYOUT,)),
        ("Minh Anh 05", (NameProblem.WRONG_NAME,)),
        ("Bé Bi", (NameProblem.NO_ROLL, NameProblem.WRONG_NAME)),
    ],
)
def test_check_display_name(typed: str, problems: tuple[NameProblem, ...]) -> None:
    check = check_display_name(typed, 5, "Nguyễn Minh Anh", "6A")
    assert check.problems == problems
    assert check.required == "05 - Nguyễn Minh Anh"


def test_decomposed_unicode_is_the_same_name() -> None:
    import unicodedata

    typed = unicodedata.normalize("NFD", "05 - Nguyễn Minh Anh")
    assert check_display_name(typed, 5, "Nguyễn Minh Anh").ok


def test_the_format_comes_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY_NAME_FORMAT", "{class_name}-{roll:02d} {full_name}")
    reset_settings()
    try:
        assert required_display_name(5, "Nguyễn Minh Anh", "6A") == "6A-05 Nguyễn Minh Anh"
        assert check_display_name("6a-05 nguyễn minh anh", 5, "Nguyễn Minh Anh", "6A").ok
    finally:
        monkeypatch.delenv("DISPLAY_NAME_FORMAT")
        reset_settings()


@pytest.mark.parametrize(
    ("message", "candidate"),
    [
        ("tên hiển thị 05 - Nguyễn Văn An đúng chưa", "05 - Nguyễn Văn An"),
        ('tên "12 - Trần Thị Mai" có đúng quy định không', "12 - Trần Thị Mai"),
        ("xem giúp tên này có hợp lệ không: 15 - Bùi Thu Hà", "15 - Bùi Thu Hà"),
        ("ten la 19 Hoang Gia Bao co dung khong", "19 Hoang Gia Bao"),
        ("em đặt tên là An 05 được ko", "An 05"),
        ("tên 08 - Vũ Minh Đức đã đúng chưa", "08 - Vũ Minh Đức"),
        ("kiểm tra giúp tên hiển thị của con", None),
        ("05 - Nguyễn Minh Anh", "05 - Nguyễn Minh Anh"),
    ],
)
def test_candidate_in_message(message: str, candidate: str | None) -> None:
    assert candidate_in_message(message) == candidate
