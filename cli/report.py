"""``chatbot report``: the period report for the education office, as XLSX, Word and Markdown."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from chatbot.db.engine import session_scope
from chatbot.school.city import (
    NO_ROUTE_HEADER,
    SUMMARY_HEADERS,
    CityFigures,
    city_figures,
    summary_rows,
    write_city_xlsx,
)
from chatbot.school.report_letter import write_letter
from chatbot.school.reporting import ReportError, build_report, write_report
from chatbot.school.status import rate
from chatbot.settings import get_settings
from cli.school import SchoolOption, check_period, day_option, fail, resolve_school
from cli.zalo import reach_table


def city_report(start: date, end: date, out_dir: Path) -> None:
    """``chatbot report --city``: the office's XLSX, one sheet per school plus the summary."""
    check_period(start, end)
    with session_scope() as session:
        figures = city_figures(session, start, end)
    if not figures.schools:
        fail('chưa có trường nào — tạo bằng: chatbot school create MÃ "Tên trường"')
    try:
        path = write_city_xlsx(figures, out_dir)
    except OSError as exc:
        fail(f"{out_dir}: không ghi được báo cáo ({exc.strerror})")
    Console().print(city_table(figures))
    typer.echo(f"Excel (mỗi trường một trang, trang đầu tổng hợp): {path}")


def city_table(figures: CityFigures) -> Table:
    period = f"{figures.date_from:%d/%m/%Y}–{figures.date_to:%d/%m/%Y}"
    table = Table("Trường", "Sĩ số", "Đã kết nối", "Đã xác nhận", "Mất liên lạc", "Không kênh nào",
                  "Báo nghỉ", "Sự vụ", "Số bị mạo danh", "Đã xử lý", "Xử lý (giờ)",
                  title=f"Toàn thành phố, {period}")
    no_route = SUMMARY_HEADERS.index(NO_ROUTE_HEADER)
    table.columns[0].no_wrap = True  # a school's code stays whole in a narrow terminal
    for row in summary_rows(figures):
        code, name, students, linked, _, acknowledged, _, unreachable, absences, numbers = row[:10]
        total, handled, hours = row[-4], row[-3], row[-2]
        table.add_row(str(code or name), str(students), f"{linked} ({percent(linked, students)})",
                      f"{acknowledged} ({percent(acknowledged, students)})", str(unreachable),
                      str(row[no_route]), str(absences), str(total), str(numbers), str(handled), str(hours))
    return table


def percent(part: object, whole: object) -> str:
    return f"{rate(int(part or 0), int(whole or 0)):.0%}"  # type: ignore[call-overload]


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        date_from: Annotated[str, typer.Option("--from", help="Từ ngày (DD/MM/YYYY hoặc YYYY-MM-DD).")],
        date_to: Annotated[str, typer.Option("--to", help="Đến ngày (DD/MM/YYYY hoặc YYYY-MM-DD).")],
        out: Annotated[
            Path | None, typer.Option(help="Thư mục lưu báo cáo (mặc định: <data>/reports).")
        ] = None,
        school: SchoolOption = None,
        city: Annotated[
            bool, typer.Option("--city", help="Toàn thành phố: mỗi trường một trang và trang tổng hợp.")
        ] = False,
    ) -> None:
        """Báo cáo gửi Phòng GDĐT: sự vụ, mạo danh, tỉ lệ kết nối và xác nhận nội quy theo lớp."""
        start, end = day_option(date_from, "--from"), day_option(date_to, "--to")
        out_dir = out or get_settings().data_dir / "reports"
        if city:
            city_report(start, end, out_dir)
            return
        with session_scope() as session:
            found = resolve_school(session, school)
            try:
                term = build_report(session, found, start, end)
            except ReportError as exc:
                fail(str(exc))
            try:
                xlsx_path, md_path = write_report(term, out_dir)
                docx_path = write_letter(term, out_dir)
            except OSError as exc:
                fail(f"{out_dir}: không ghi được báo cáo ({exc.strerror})")
        typer.echo(f"Báo cáo {found.name}, từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}:")
        typer.echo(f"  Sự vụ (mục 2): {len(term.safety_incidents)} · "
                   f"mạo danh, lừa đảo (mục 3): {len(term.scams)} · "
                   f"đã xử lý: {term.handled}/{len(term.incidents)}")
        typer.echo(f"  Gia đình đã kết nối: {term.linked}/{term.students} · "
                   f"đã xác nhận nội quy: {term.acknowledged}/{term.students}")
        Console().print(reach_table(term.reach))
        typer.echo(f"  Excel: {xlsx_path}")
        typer.echo(f"  Văn bản (Word, thể thức Nghị định 30/2020/NĐ-CP): {docx_path}")
        typer.echo(f"  Văn bản (Markdown): {md_path}")
        typer.echo("Hãy đọc lại, bổ sung mục “Đề xuất, kiến nghị” rồi gửi Phòng GDĐT.")
