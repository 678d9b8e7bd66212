"""``chatbot unanswered``: the messages the assistant could not answer, scrubbed, newest first."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chatbot.db.engine import session_scope
from chatbot.school.unanswered import list_unanswered
from chatbot.settings import TIMEZONE


def show_unanswered(days: int, limit: int) -> None:
    with session_scope() as session:
        rows = list_unanswered(session, days=days, limit=limit)
    if not rows:
        typer.echo(f"Không có câu hỏi nào chưa trả lời được trong {days} ngày qua.")
        return
    table = Table(title=f"Câu hỏi chưa trả lời được ({len(rows)}, {days} ngày qua)")
    for column in ("Thời điểm", "Tin nhắn (đã ẩn thông tin cá nhân)", "Đoán ý", "Độ tin cậy"):
        table.add_column(column)
    for row in rows:
        when = row.created_at.astimezone(TIMEZONE).strftime("%d/%m/%Y %H:%M")
        table.add_row(when, escape(row.text), row.intent or "", row.confidence or "")
    Console().print(table)


def register(app: typer.Typer) -> None:
    @app.command("unanswered")
    def unanswered(
        days: Annotated[int, typer.Option("--days", min=1, help="Số ngày gần nhất cần xem.")] = 30,
        limit: Annotated[int, typer.Option("--limit", min=1, help="Số tin nhắn tối đa.")] = 100,
    ) -> None:
        """Liệt kê các câu hỏi trợ lý chưa trả lời được (đã ẩn thông tin cá nhân)."""
        show_unanswered(days, limit)
