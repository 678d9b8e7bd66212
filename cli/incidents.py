"""``chatbot incidents``: list incident reports, mark them handled, export them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from chatbot.db.engine import session_scope
from chatbot.db.models import IncidentKind, IncidentReport, IncidentStatus
from chatbot.school.incidents_admin import (
    KIND_LABELS,
    NO_CLASS,
    STATUS_LABELS,
    IncidentError,
    IncidentFilter,
    export_incidents,
    find_incidents,
    handle_incident,
    local_text,
)
from cli.school import SchoolOption, check_period, day_option, fail, resolve_class, resolve_school

_KIND_HELP = "; ".join(f"{kind.value}: {label}" for kind, label in KIND_LABELS.items())
StatusOption = Annotated[
    IncidentStatus | None, typer.Option("--status", help="open: chưa xử lý; handled: đã xử lý.")
]
ClassOption = Annotated[str | None, typer.Option("--class", help="Chỉ sự vụ của lớp này.")]
KindOption = Annotated[IncidentKind | None, typer.Option("--kind", help=f"Loại sự vụ — {_KIND_HELP}.")]
FromOption = Annotated[str | None, typer.Option("--from", help="Từ ngày (DD/MM/YYYY hoặc YYYY-MM-DD).")]
ToOption = Annotated[str | None, typer.Option("--to", help="Đến ngày (DD/MM/YYYY hoặc YYYY-MM-DD).")]


def _matching(
    session: Session,
    school_code: str | None,
    status: IncidentStatus | None,
    class_name: str | None,
    kind: IncidentKind | None,
    date_from: str | None,
    date_to: str | None,
) -> list[IncidentReport]:
    """The school's incidents that match the command's filter options."""
    school = resolve_school(session, school_code)
    start = day_option(date_from, "--from") if date_from else None
    end = day_option(date_to, "--to") if date_to else None
    check_period(start, end)
    criteria = IncidentFilter(
        status=status,
        class_name=resolve_class(session, school, class_name).name if class_name else None,
        kind=kind,
        date_from=start,
        date_to=end,
    )
    return find_incidents(session, school, criteria)


def register(app: typer.Typer) -> None:
    incidents_app = typer.Typer(
        help="Liệt kê sự vụ mất an ninh, an toàn và báo cáo mạo danh (lọc bằng các tuỳ chọn dưới đây).",
        invoke_without_command=True,
    )

    @incidents_app.callback()
    def list_incidents(
        ctx: typer.Context,
        status: StatusOption = None,
        class_name: ClassOption = None,
        kind: KindOption = None,
        date_from: FromOption = None,
        date_to: ToOption = None,
        school: SchoolOption = None,
    ) -> None:
        """Liệt kê sự vụ (lọc theo trạng thái, lớp, loại, khoảng ngày xảy ra)."""
        if ctx.invoked_subcommand is not None:
            return
        with session_scope() as session:
            incidents = _matching(session, school, status, class_name, kind, date_from, date_to)
            table = Table(title=f"Sự vụ ({len(incidents)})", show_lines=True)
            for header in ("Mã", "Xảy ra lúc", "Lớp", "Loại", "Trạng thái", "Mô tả", "Xử lý"):
                table.add_column(header, overflow="fold")
            for i in incidents:
                handled = ""
                if i.action_taken:
                    handled = f"{i.action_taken} — {i.handled_by}, {local_text(i.handled_at)}"
                table.add_row(i.reference, local_text(i.occurred_at),
                              i.school_class.name if i.school_class else NO_CLASS,
                              KIND_LABELS[i.kind], STATUS_LABELS[i.status], i.description, handled)
        if not incidents:
            typer.echo("Không có sự vụ nào khớp điều kiện.")
            return
        Console().print(table)

    @incidents_app.command("handle")
    def handle(
        reference: Annotated[str, typer.Argument(help="Mã sự vụ.")],
        by: Annotated[str, typer.Option("--by", help="Người xử lý.")],
        action: Annotated[str, typer.Option("--action", help="Biện pháp đã làm.")],
    ) -> None:
        """Đánh dấu sự vụ đã xử lý, ghi biện pháp và người xử lý."""
        with session_scope() as session:
            try:
                incident = handle_incident(session, reference, by=by, action=action)
            except IncidentError as exc:
                fail(str(exc))
            typer.echo(f"Đã ghi nhận: sự vụ {incident.reference} đã xử lý ({incident.handled_by}).")

    @incidents_app.command("export")
    def export(
        file: Annotated[Path, typer.Argument(help="Tệp .csv hoặc .xlsx để ghi.")],
        status: StatusOption = None,
        class_name: ClassOption = None,
        kind: KindOption = None,
        date_from: FromOption = None,
        date_to: ToOption = None,
        school: SchoolOption = None,
    ) -> None:
        """Xuất danh sách sự vụ ra CSV hoặc Excel."""
        if file.suffix.lower() not in {".csv", ".xlsx"}:
            fail(f"{file.name}: chỉ xuất được tệp .csv hoặc .xlsx")
        with session_scope() as session:
            incidents = _matching(session, school, status, class_name, kind, date_from, date_to)
            try:
                export_incidents(incidents, file)
            except OSError as exc:
                fail(f"{file}: không ghi được tệp ({exc.strerror})")
        typer.echo(f"Đã xuất {len(incidents)} sự vụ ra {file}.")

    app.add_typer(incidents_app, name="incidents")
