"""``chatbot status``: per class, who has connected and acknowledged the rules, and who not."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chatbot.db.engine import session_scope
from chatbot.delivery.outbox import utcnow
from chatbot.delivery.reach import class_reach
from chatbot.school.absences import AbsenceLine, absences_on, day_text, periods_text
from chatbot.school.city import city_figures
from chatbot.school.status import ClassStatus, StudentStatus, class_statuses, rate
from chatbot.settings import RULES_VERSION, TIMEZONE
from cli.report import city_table
from cli.school import SchoolOption, resolve_class, resolve_school
from cli.zalo import reach_table

CHANNEL_LABELS = {"telegram": "Telegram", "zalo": "Zalo", "zalo_bot": "Zalo", "rest": "Web"}


def _percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({rate(part, whole):.0%})"


def _rolls(students: list[StudentStatus]) -> str:
    """Roll numbers with runs shortened: "1–3, 5, 7–30"."""
    runs: list[list[int]] = []
    for roll in sorted(s.roll_number for s in students):
        if runs and roll == runs[-1][-1] + 1:
            runs[-1].append(roll)
        else:
            runs.append([roll])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs) or "—"


def school_table(statuses: list[ClassStatus]) -> Table:
    table = Table(title=f"Kết nối và xác nhận nội quy (phiên bản {RULES_VERSION})", show_lines=True)
    for header in ("Lớp", "GVCN", "Đã kết nối", "Đã xác nhận", "STT chưa kết nối", "STT chưa xác nhận"):
        table.add_column(header, overflow="fold")
    for c in statuses:
        teacher = c.homeroom_teacher or "—"
        if c.homeroom_teacher:
            teacher += " ✓" if c.homeroom_linked else " (chưa kết nối)"
        table.add_row(c.name, teacher, _percent(c.linked, c.total), _percent(c.acknowledged, c.total),
                      _rolls(c.not_linked), _rolls(c.not_acknowledged))
    total = sum(c.total for c in statuses)
    table.add_row("Toàn trường", "", _percent(sum(c.linked for c in statuses), total),
                  _percent(sum(c.acknowledged for c in statuses), total), "", "")
    return table


def class_table(status: ClassStatus) -> Table:
    teacher = status.homeroom_teacher or "chưa có"
    table = Table(title=f"Lớp {status.name} — GVCN: {teacher} — "
                        f"kết nối {_percent(status.linked, status.total)}, "
                        f"xác nhận nội quy {_percent(status.acknowledged, status.total)}")
    for header in ("STT", "Họ và tên", "Kết nối", "Xác nhận nội quy", "Mã mời chờ dùng"):
        table.add_column(header)
    for s in status.students:
        channels = ", ".join(sorted({CHANNEL_LABELS.get(c, c) for c in s.channels})) or "chưa"
        acknowledged = f"{s.acknowledged_at.astimezone(TIMEZONE):%d/%m/%Y}" if s.acknowledged_at else "chưa"
        table.add_row(str(s.roll_number), s.full_name, channels, acknowledged, "có" if s.pending_code else "")
    return table


def absence_table(lines: list[AbsenceLine], today: date) -> Table:
    """Today's absence notices per class (families' notices through the assistant)."""
    table = Table(title=f"Báo nghỉ hôm nay, {day_text(today)}: {len(lines)}")
    for header in ("Lớp", "Số báo nghỉ", "Học sinh"):
        table.add_column(header, overflow="fold")
    by_class: dict[str, list[AbsenceLine]] = {}
    for line in lines:
        by_class.setdefault(line.class_name, []).append(line)
    for name, group in by_class.items():
        table.add_row(name, str(len(group)), "; ".join(
            f"{escape(a.display_name)} ({periods_text(a.periods)})" for a in group
        ))
    return table


def local_today() -> date:
    return datetime.now(TIMEZONE).date()


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(
        class_name: Annotated[
            str | None, typer.Option("--class", help="Xem chi tiết từng học sinh của lớp.")
        ] = None,
        school: SchoolOption = None,
        city: Annotated[bool, typer.Option("--city", help="Toàn thành phố: mỗi trường một dòng.")] = False,
    ) -> None:
        """Số gia đình đã kết nối, đã xác nhận nội quy, và ai còn thiếu — theo lớp."""
        if city:
            today = local_today()
            with session_scope() as session:
                figures = city_figures(session, today, today)
            Console().print(city_table(figures))
            return
        with session_scope() as session:
            found = resolve_school(session, school)
            name = resolve_class(session, found, class_name).name if class_name else None
            statuses = class_statuses(session, found, class_name=name)
            today = local_today()
            absent = absences_on(session, {c.class_id for c in statuses}, today)
        console = Console()
        if not statuses:
            typer.echo("Chưa có lớp nào — hãy nhập danh sách học sinh (chatbot import roster).")
        elif name:
            console.print(class_table(statuses[0]))
        else:
            console.print(school_table(statuses))
        if statuses:
            console.print(absence_table(absent, today))
            with session_scope() as session:
                reach = class_reach(session, utcnow(), resolve_school(session, school).id)
            console.print(reach_table(reach))
