"""``chatbot import roster|teachers|timetable|holidays FILE``: school data from CSV or XLSX.

Every problem of a file is listed with its row and column, and then nothing is imported;
otherwise the whole file is imported in one transaction. ``--dry-run`` only shows what
would change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chatbot.db.engine import session_scope
from chatbot.school.importing import FileUnreadable, ImportFailed, ImportSummary, import_file
from chatbot.school.importing.values import normalize_class_name
from cli import school as school_cli
from cli.school import SchoolOption, fail, resolve_school

FileArgument = Annotated[Path, typer.Argument(help="Tệp .csv hoặc .xlsx.", show_default=False)]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Chỉ xem trước thay đổi, không lưu gì.")]
ClassOption = Annotated[
    str | None,
    typer.Option("--class", help="Lớp của mọi dòng, khi tệp là danh sách của một lớp và không có cột “Lớp”."),
]
LIST_LIMIT = 30


def _listing(title: str, items: list[str]) -> None:
    if not items:
        return
    typer.echo(f"  {title} ({len(items)}):")
    for item in items[:LIST_LIMIT]:
        typer.echo(f"    - {item}")
    if len(items) > LIST_LIMIT:
        typer.echo(f"    … và {len(items) - LIST_LIMIT} mục khác")


def show_summary(summary: ImportSummary) -> None:
    typer.echo(f"{summary.kind} — {summary.source}: {summary.rows} dòng dữ liệu")
    verb = "Sẽ thêm mới" if summary.dry_run else "Thêm mới"
    counts = f"  {verb}: {summary.added} · cập nhật: {summary.updated} · không đổi: {summary.unchanged}"
    if summary.removed:
        counts += f" · bỏ đi: {summary.removed}"
    typer.echo(counts)
    if summary.new_classes:
        typer.echo(f"  Lớp mới: {', '.join(summary.new_classes)}")
    if summary.phones_added or summary.phones_removed:
        typer.echo(
            f"  Số điện thoại phụ huynh: thêm {summary.phones_added} · bỏ {summary.phones_removed}"
        )
    _listing("Bỏ khỏi thời khoá biểu vì không còn trong tệp", summary.removed_items)
    _listing("Có trong hệ thống nhưng không có trong tệp (giữ nguyên, không xoá)", summary.missing)
    _listing("Cần kiểm tra", summary.warnings)
    verb = "Sẽ tạo" if summary.dry_run else "Đã tạo"
    _listing(f"{verb} tài khoản web (chưa có mật khẩu)", summary.accounts)
    if summary.dry_run:
        typer.echo("Chạy thử: chưa lưu gì. Bỏ --dry-run để nhập thật.")
    elif summary.changed:
        typer.echo("Đã lưu.")
    else:
        typer.echo("Không có gì thay đổi.")


def run_import(kind: str, path: Path, school_code: str | None, dry_run: bool, class_name: str | None) -> None:
    if class_name is not None:
        try:
            class_name = normalize_class_name(class_name)
        except ValueError as exc:
            fail(f"--class: {exc}")
    try:
        with session_scope() as session:
            school = resolve_school(session, school_code)
            summary = import_file(session, school, kind, path, dry_run=dry_run, class_name=class_name)
    except FileUnreadable as exc:
        fail(str(exc))
    except ImportFailed as exc:
        typer.echo(f"Không nhập gì từ {exc.source}: có {len(exc.problems)} lỗi cần sửa.", err=True)
        for problem in exc.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(1) from None
    show_summary(summary)


def register(app: typer.Typer) -> None:
    import_app = typer.Typer(
        help="Nhập dữ liệu nhà trường từ tệp CSV hoặc Excel (.xlsx). Xem docs/formats.md.",
        no_args_is_help=True,
    )

    @import_app.command("roster")
    def roster(
        file: FileArgument,
        school: SchoolOption = None,
        dry_run: DryRunOption = False,
        class_name: ClassOption = None,
    ) -> None:
        """Danh sách học sinh: Lớp, STT, Họ và tên, Ngày sinh, Giới tính."""
        run_import("roster", file, school, dry_run, class_name)

    @import_app.command("teachers")
    def teachers(file: FileArgument, school: SchoolOption = None, dry_run: DryRunOption = False) -> None:
        """Giáo viên, cán bộ: Họ và tên, Vai trò, Chủ nhiệm lớp, Email, Số điện thoại."""
        run_import("teachers", file, school, dry_run, None)

    @import_app.command("timetable")
    def timetable(
        file: FileArgument,
        school: SchoolOption = None,
        dry_run: DryRunOption = False,
        class_name: ClassOption = None,
    ) -> None:
        """Thời khoá biểu: Lớp, Thứ, Tiết, Giờ bắt đầu, Giờ kết thúc, Môn, Giáo viên, Nền tảng,
        Mã phòng, Link, Mật khẩu."""
        run_import("timetable", file, school, dry_run, class_name)

    @import_app.command("holidays")
    def holidays(file: FileArgument, school: SchoolOption = None, dry_run: DryRunOption = False) -> None:
        """Ngày nghỉ: Ngày, (Đến ngày), Tên."""
        run_import("holidays", file, school, dry_run, None)

    app.add_typer(import_app, name="import")
    school_cli.register(app)
