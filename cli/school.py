"""``chatbot school``: create and list schools; plus what the staff commands share.

Registered from :mod:`cli.imports` (a school is the first thing an import needs).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chatbot.db.engine import session_scope
from chatbot.db.models import School, SchoolClass
from chatbot.school.importing.values import normalize_class_name, parse_date

SchoolOption = Annotated[
    str | None,
    typer.Option("--school", help="Mã trường; bỏ trống nếu hệ thống chỉ có một trường."),
]
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


def fail(message: str) -> NoReturn:
    """Print a one-line error for staff and exit with status 1."""
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(1)


def resolve_school(session: Session, code: str | None) -> School:
    """The school with ``code``, or the only school when no code is given."""
    if code:
        school = session.scalar(select(School).where(func.upper(School.code) == code.strip().upper()))
        if school is None:
            fail(f"không có trường mã {code} (xem: chatbot school list)")
        return school
    schools = list(session.scalars(select(School).order_by(School.code)))
    if not schools:
        fail('chưa có trường nào — tạo bằng: chatbot school create MÃ "Tên trường"')
    if len(schools) > 1:
        codes = ", ".join(s.code for s in schools)
        fail(f"có {len(schools)} trường ({codes}); chọn một bằng --school MÃ")
    return schools[0]


def resolve_class(session: Session, school: School, name: str) -> SchoolClass:
    try:
        normalized = normalize_class_name(name)
    except ValueError as exc:
        fail(str(exc))
    school_class = session.scalar(
        select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.name == normalized)
    )
    if school_class is None:
        fail(f"{school.name} không có lớp {name}")
    return school_class


def day_option(value: str, option: str) -> date:
    """A --from/--to date written DD/MM/YYYY or YYYY-MM-DD."""
    try:
        return parse_date(value)
    except ValueError as exc:
        fail(f"{option}: {exc}")


def check_period(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_from > date_to:
        fail(f"--from {date_from:%d/%m/%Y} sau --to {date_to:%d/%m/%Y}")


def register(app: typer.Typer) -> None:
    school_app = typer.Typer(help="Trường học trong hệ thống.", no_args_is_help=True)

    @school_app.command("create")
    def create(
        code: Annotated[str, typer.Argument(help="Mã trường, ví dụ THCS-HOASEN.")],
        name: Annotated[str, typer.Argument(help="Tên trường, ví dụ “Trường THCS Hoa Sen”.")],
        email: Annotated[str | None, typer.Option(help="Email liên hệ của trường.")] = None,
    ) -> None:
        """Tạo một trường mới."""
        code, name = code.strip().upper(), " ".join(name.split())
        if not _CODE.match(code):
            fail("mã trường chỉ gồm chữ không dấu, số, “-” hoặc “_”, tối đa 32 ký tự")
        if not name or len(name) > 200:
            fail("tên trường không được trống và tối đa 200 ký tự")
        with session_scope() as session:
            if session.scalar(select(School).where(func.upper(School.code) == code)):
                fail(f"đã có trường mã {code}")
            session.add(School(code=code, name=name, contact_email=email))
        typer.echo(f"Đã tạo {name} (mã {code}).")

    @school_app.command("list")
    def list_schools() -> None:
        """Liệt kê các trường."""
        with session_scope() as session:
            schools = list(session.scalars(select(School).order_by(School.code)))
            table = Table("Mã", "Tên trường", "Email", "Số lớp")
            for school in schools:
                table.add_row(school.code, school.name, school.contact_email or "", str(len(school.classes)))
        if not schools:
            typer.echo('Chưa có trường nào — tạo bằng: chatbot school create MÃ "Tên trường"')
            return
        Console().print(table)

    from cli.school_channels import register_channels

    register_channels(school_app)
    app.add_typer(school_app, name="school")
