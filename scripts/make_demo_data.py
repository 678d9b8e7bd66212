"""Generate the fictional demo school (Trường THCS Hoa Sen) as CSV and XLSX files.

Deterministic: the same files come out every time. Run from the repo root:
``.venv/bin/python scripts/make_demo_data.py``.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent.parent / "chatbot" / "demo_data"
CLASSES = ["6A", "6B", "7A", "7B", "8A", "8B", "9A", "9B"]
STUDENTS_PER_CLASS = 30

SURNAMES = ["Nguyễn"] * 8 + ["Trần"] * 4 + ["Lê"] * 3 + ["Phạm"] * 3 + [
    "Hoàng", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Phan", "Đinh",
]
MIDDLE_M = ["Văn", "Minh", "Đức", "Quốc", "Hoàng", "Gia", "Thành", "Hữu", "Tuấn", "Anh"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Minh", "Phương", "Thanh", "Khánh", "Bảo", "Hải", "Mai"]
GIVEN_M = ["An", "Bảo", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hiếu", "Hoàng", "Huy", "Khang",
           "Khoa", "Kiên", "Lâm", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân",
           "Sơn", "Tài", "Thắng", "Thịnh", "Trí", "Trung", "Tuấn", "Việt", "Vinh"]
GIVEN_F = ["Anh", "Chi", "Diệp", "Giang", "Hà", "Hân", "Hằng", "Hoa", "Hương", "Lan", "Linh",
           "Loan", "Mai", "My", "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh", "Phương", "Quỳnh",
           "Tâm", "Thảo", "Thư", "Trang", "Uyên", "Vân", "Vy", "Xuân", "Yến"]
TEACHERS = [
    ("Nguyễn Thị Lan", "Toán"), ("Trần Văn Hùng", "Toán"), ("Lê Thị Hồng", "Ngữ văn"),
    ("Phạm Thu Hà", "Ngữ văn"), ("Hoàng Minh Tuấn", "Tiếng Anh"), ("Vũ Thị Mai", "Tiếng Anh"),
    ("Đặng Quốc Bảo", "Khoa học tự nhiên"), ("Bùi Thị Thanh", "Khoa học tự nhiên"),
    ("Đỗ Văn Nam", "Lịch sử và Địa lí"), ("Ngô Thị Huyền", "Giáo dục công dân"),
    ("Phan Đức Long", "Tin học"), ("Dương Thị Ngọc", "Công nghệ"),
]
STAFF = [("Trịnh Văn Quang", "Cán bộ", "Hiệu trưởng"), ("Lý Thị Hạnh", "Cán bộ", "Phó hiệu trưởng")]
HOMEROOM = dict(zip(CLASSES, [t[0] for t in TEACHERS[:8]], strict=True))
PLATFORMS = ["Zoom", "Google Meet", "Microsoft Teams"]
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"]
PASSWORD_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
PERIOD_STARTS = ["07:30", "08:25", "09:30", "10:25"]
SUBJECTS_BY_TEACHER = {subject: [t for t, s in TEACHERS if s == subject] for _, subject in TEACHERS}


def _strip(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def roster(rng: random.Random) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for class_name in CLASSES:
        grade = int(class_name[0])
        birth_year = 2026 - grade - 5
        names: set[str] = set()
        students = []
        while len(students) < STUDENTS_PER_CLASS:
            female = rng.random() < 0.5
            middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
            given = rng.choice(GIVEN_F if female else GIVEN_M)
            name = f"{rng.choice(SURNAMES)} {middle} {given}"
            if name in names:
                continue
            names.add(name)
            born = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
            students.append((given, name, born, "Nữ" if female else "Nam"))
        students.sort(key=lambda s: (_strip(s[0]), _strip(s[1])))  # class lists go by given name
        for roll, (_, name, born, gender) in enumerate(students, start=1):
            rows.append({
                "Lớp": class_name, "STT": str(roll), "Họ và tên": name,
                "Ngày sinh": born.strftime("%d/%m/%Y"), "Giới tính": gender,
            })
    return rows


def teachers() -> list[dict[str, str]]:
    rows = []
    for name, subject in TEACHERS:
        homeroom = next((c for c, t in HOMEROOM.items() if t == name), "")
        slug = _strip(name).lower().replace(" ", ".")
        rows.append({"Họ và tên": name, "Vai trò": "Giáo viên", "Môn": subject,
                     "Chủ nhiệm lớp": homeroom, "Email": f"{slug}@thcshoasen.edu.vn"})
    for name, role, title in STAFF:
        slug = _strip(name).lower().replace(" ", ".")
        rows.append({"Họ và tên": name, "Vai trò": role, "Môn": title, "Chủ nhiệm lớp": "",
                     "Email": f"{slug}@thcshoasen.edu.vn"})
    return rows


def timetable(rng: random.Random) -> list[dict[str, str]]:
    subjects = list(SUBJECTS_BY_TEACHER)
    rows = []
    for index, class_name in enumerate(CLASSES):
        platform = PLATFORMS[index % len(PLATFORMS)]
        teacher_for = {s: SUBJECTS_BY_TEACHER[s][index % len(SUBJECTS_BY_TEACHER[s])] for s in subjects}
        for day_index, weekday in enumerate(WEEKDAYS[:5]):
            for period, start in enumerate(PERIOD_STARTS[:3], start=1):
                subject = subjects[(day_index * 3 + period + index) % len(subjects)]
                hour, minute = map(int, start.split(":"))
                end_minutes = hour * 60 + minute + 45
                if platform == "Zoom":
                    meeting = f"8{rng.randrange(10**9, 10**10)}"
                    link = f"https://zoom.us/j/{meeting}"
                    meeting_id = f"{meeting[:3]} {meeting[3:7]} {meeting[7:]}"
                elif platform == "Google Meet":
                    code = "".join(rng.choice("abcdefghijkmnopqrstuvwxyz") for _ in range(10))
                    meeting_id = f"{code[:3]}-{code[3:7]}-{code[7:]}"
                    link = f"https://meet.google.com/{meeting_id}"
                else:
                    meeting_id = " ".join(str(rng.randrange(100, 999)) for _ in range(3))
                    link = f"https://teams.microsoft.com/meet/{meeting_id.replace(' ', '')}"
                password = "".join(rng.choice(PASSWORD_ALPHABET) for _ in range(8))
                rows.append({
                    "Lớp": class_name, "Thứ": weekday, "Tiết": str(period), "Giờ bắt đầu": start,
                    "Giờ kết thúc": f"{end_minutes // 60:02d}:{end_minutes % 60:02d}",
                    "Môn": subject, "Giáo viên": teacher_for[subject], "Nền tảng": platform,
                    "Mã phòng": meeting_id, "Link": link, "Mật khẩu": password,
                })
    return rows


def holidays() -> list[dict[str, str]]:
    return [
        {"Ngày": "01/01/2027", "Tên": "Tết Dương lịch"},
        *({"Ngày": (date(2027, 2, 4) + timedelta(days=d)).strftime("%d/%m/%Y"),
           "Tên": "Nghỉ Tết Nguyên đán"} for d in range(8)),
    ]


def write(name: str, rows: list[dict[str, str]]) -> None:
    headers = list(rows[0])
    with (OUT / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = name
    sheet.append(headers)
    for row in rows:
        sheet.append([row[h] for h in headers])
    workbook.save(OUT / f"{name}.xlsx")


def main() -> None:
    rng = random.Random(20200504)
    OUT.mkdir(parents=True, exist_ok=True)
    write("roster", roster(rng))
    write("teachers", teachers())
    write("timetable", timetable(rng))
    write("holidays", holidays())


if __name__ == "__main__":
    main()
