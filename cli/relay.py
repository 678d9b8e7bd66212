"""``chatbot relay log`` and ``chatbot absences``: what families sent through the assistant."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chatbot.db.engine import session_scope
from chatbot.school import absences, relay
from chatbot.settings import TIMEZONE
from cli.school import SchoolOption, fail, resolve_class, resolve_school

relay_app = typer.Typer(
    help="Trao đổi giữa gia đình và giáo viên chủ nhiệm qua trợ lý.", no_args_is_help=True
)


@relay_app.command("log")
def log(
    class_name: Annotated[str | None, typer.Option("--class", help="Chỉ một lớp.")] = None,
    school: SchoolOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Số trao đổi gần nhất.")] = 50,
) -> None:
    """Nhật ký các trao đổi (lưu lâu dài), mới nhất trước."""
    with session_scope() as session:
        found = resolve_school(session, school)
        name = resolve_class(session, found, class_name).name if class_name else None
        threads = relay.relay_log(session, found.id, name, limit)
    if not threads:
        typer.echo("Chưa có trao đổi nào.")
        return
    console = Console()
    for thread in threads:
        status = "đang mở" if thread.status == "open" else "đã kết thúc"
        table = Table(
            title=f"{relay.tag(thread.thread_id)} lớp {thread.class_name} — {escape(thread.family_label)} ↔ "
            f"{escape(thread.teacher_name)} ({status})"
        )
        for column in ("Thời điểm", "Người viết", "Nội dung"):
            table.add_column(column, overflow="fold")
        for when, who, text in thread.messages:
            table.add_row(f"{when.astimezone(TIMEZONE):%d/%m/%Y %H:%M}", escape(who), escape(text))
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(relay_app, name="relay")

    @app.command("absences")
    def show_absences(
        day: Annotated[str | None, typer.Option("--day", help="Ngày (YYYY-MM-DD); mặc định hôm nay.")] = None,
        school: SchoolOption = None,
    ) -> None:
        """Báo nghỉ của gia đình trong một ngày, theo lớp."""
        try:
            wanted = (
                date.fromisoformat(day) if day else datetime.now(timezone.utc).astimezone(TIMEZONE).date()
            )
        except ValueError:
            fail(f"ngày {day} không đúng dạng YYYY-MM-DD")
        with session_scope() as session:
            found = resolve_school(session, school)
            class_ids = {c.id for c in found.classes}
            lines = absences.absences_on(session, class_ids, wanted)
        if not lines:
            typer.echo(f"Không có báo nghỉ nào {absences.day_text(wanted)}.")
            return
        table = Table(title=f"Báo nghỉ {absences.day_text(wanted)} ({len(lines)})")
        for column in ("Lớp", "Học sinh", "Nghỉ", "Lời nhắn"):
            table.add_column(column, overflow="fold")
        for line in lines:
            table.add_row(
                line.class_name,
                escape(line.display_name),
                absences.periods_text(line.periods),
                escape(line.reason),
            )
        Console().print(table)
