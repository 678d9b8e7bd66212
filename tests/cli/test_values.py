from datetime import date, time

import pytest

from chatbot.school.importing.values import (
    class_sort_key,
    normalize_class_name,
    parse_date,
    parse_gender,
    parse_link,
    parse_phone,
    parse_positive_int,
    parse_time,
    parse_weekday,
)


@pytest.mark.parametrize(
    ("text", "weekday"),
    [
        ("Thứ Hai", 0), ("Thứ 2", 0), ("T2", 0), ("2", 0), ("thu hai", 0), ("THỨ HAI", 0),
        ("Thứ Ba", 1), ("t3", 1), ("Thứ Tư", 2), ("Thứ tư", 2), ("Thứ Năm", 3), ("5", 3),
        ("Thứ Sáu", 4), ("Thứ Bảy", 5), ("T7", 5), ("Chủ nhật", 6), ("CN", 6), ("chu nhat", 6),
        ("Monday", 0), (" Thứ  2 ", 0),
    ],
)
def test_weekdays_as_schools_write_them(text: str, weekday: int) -> None:
    assert parse_weekday(text) == weekday


@pytest.mark.parametrize("text", ["Thứ", "8", "1", "Thứ Tám", "thu", "hôm nay", ""])
def test_bad_weekdays_are_refused_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match="Thứ Hai"):
        parse_weekday(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("07:30", time(7, 30)), ("7:30", time(7, 30)), ("7h30", time(7, 30)), ("7g", time(7, 0)),
     ("07:30:00", time(7, 30)), ("14.05", time(14, 5)), ("2h chiều", time(14, 0)),
     ("7 giờ 30", time(7, 30))],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "7:75", "7", "sáng", "7h30x"])
def test_bad_times(text: str) -> None:
    with pytest.raises(ValueError, match="không phải giờ hợp lệ"):
        parse_time(text)


def test_dates_day_first_or_iso() -> None:
    assert parse_date("04/02/2027") == date(2027, 2, 4)
    assert parse_date("4-2-2027") == date(2027, 2, 4)
    assert parse_date("2027-02-04") == date(2027, 2, 4)
    for bad in ("31/02/2027", "02/2027", "2027/13/01", "hôm qua"):
        with pytest.raises(ValueError, match="DD/MM/YYYY"):
            parse_date(bad)


def test_class_names_are_normalised_and_need_a_grade() -> None:
    assert normalize_class_name(" lớp 6a ") == "6A"
    assert normalize_class_name("Lớp 10 A2") == "10A2"
    with pytest.raises(ValueError, match="khối"):
        normalize_class_name("Lớp chọn")
    with pytest.raises(ValueError, match="khối"):
        normalize_class_name("13A")
    assert sorted(["10A1", "9B", "6A"], key=class_sort_key) == ["6A", "9B", "10A1"]


def test_small_parsers() -> None:
    assert parse_positive_int("05") == 5
    with pytest.raises(ValueError):
        parse_positive_int("0")
    assert parse_gender("nữ") == "Nữ" and parse_gender("NAM") == "Nam"
    with pytest.raises(ValueError, match="giới tính"):
        parse_gender("x")
    assert parse_phone("912 345 678") == "0912345678"  # Excel dropped the leading 0
    assert parse_phone("+84 912.345.678") == "+84912345678"
    with pytest.raises(ValueError):
        parse_phone("12ab")
    assert parse_link("meet.google.com/abc-defg-hij") == "https://meet.google.com/abc-defg-hij"
    with pytest.raises(ValueError, match="https://"):
        parse_link("phòng học 3")
