"""``chatbot contacts``: the official contacts families check callers against, and scam
reports grouped by the number they name (campaigns)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chatbot.db.engine import session_scope
from chatbot.school import contacts
from chatbot.settings import TIMEZONE
from cli.school import SchoolOption, fail, resolve_school

contacts_app = typer.Typer(
    help="Danh sách liên hệ chính thức của trường và Phòng GDĐT.", no_args_is_help=True
)


@contacts_app.command("add")
def add(
    name: Annotated[str, typer.Option("--name", help="Tên người hoặc bộ phận.")],
    role: Annotated[str, typer.Option("--role", help="Chức vụ, ví dụ: Hiệu trưởng.")] = "",
    school: Annotated[
        str | None, typer.Option("--school", help="Mã trường; bỏ trống cho liên hệ của Phòng GDĐT.")
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Số điện thoại.")] = None,
    zalo: Annotated[str | None, typer.Option("--zalo", help="Zalo OA, ví dụ oa.zalo.me/123456.")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    website: Annotated[
        str | None, typer.Option("--website", help="Tên miền, ví dụ thcshoasen.edu.vn.")
    ] = None,
) -> None:
    """Thêm một liên hệ chính thức."""
    try:
        with session_scope() as session:
            contact = contacts.add_contact(
                session,
                school_code=school,
                name=name,
                role=role,
                phone=phone,
                zalo=zalo,
                email=email,
                website=website,
            )
            number = contact.id
    except contacts.ContactError as exc:
        fail(str(exc))
    typer.echo(f"Đã thêm liên hệ số {number}.")


@contacts_app.command("list")
def list_() -> None:
    """Liệt kê các liên hệ chính thức."""
    with session_scope() as session:
        rows = [
            (
                c.id,
                contacts.owner_text(c, session),
                c.phone or "",
                c.zalo or "",
                c.email or "",
                c.website or "",
            )
            for c in contacts.list_contacts(session)
        ]
    if not rows:
        typer.echo("Chưa có liên hệ chính thức nào — thêm bằng: chatbot contacts add --name … --phone …")
        return
    table = Table(title=f"Liên hệ chính thức ({len(rows)})")
    for column in ("Số", "Ai", "Điện thoại", "Zalo", "Email", "Trang web"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(str(value)) for value in row))
    Console().print(table)


@contacts_app.command("remove")
def remove(
    contact_id: Annotated[int, typer.Argument(help="Số của liên hệ (xem: chatbot contacts list).")],
) -> None:
    """Xóa một liên hệ chính thức."""
    with session_scope() as session:
        removed = contacts.remove_contact(session, contact_id)
    if not removed:
        fail(f"không có liên hệ số {contact_id}")
    typer.echo(f"Đã xóa liên hệ số {contact_id}.")


@contacts_app.command("campaigns")
def show_campaigns(
    minimum: Annotated[int, typer.Option("--min", min=1, help="Chỉ số có từ chừng này báo cáo.")] = 1,
    school: SchoolOption = None,
) -> None:
    """Báo cáo mạo danh gom theo số điện thoại bị báo, của một trường."""
    with session_scope() as session:
        found = resolve_school(session, school)
        code = found.code
        rows = contacts.campaigns(session, found.id, minimum=minimum)
    if not rows:
        typer.echo(f"{code}: chưa có báo cáo mạo danh nào nêu số điện thoại.")
        return
    table = Table(title=f"Báo cáo mạo danh theo số điện thoại — {code}")
    for column in ("Số điện thoại", "Số báo cáo", "Lần đầu", "Gần nhất", "Trong danh sách chính thức"):
        table.add_column(column)
    for c in rows:
        table.add_row(
            c.phone,
            str(c.reports),
            f"{c.first_at.astimezone(TIMEZONE):%d/%m/%Y %H:%M}",
            f"{c.last_at.astimezone(TIMEZONE):%d/%m/%Y %H:%M}",
            "có (có thể bị giả số)" if c.official else "không",
        )
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(contacts_app, name="contacts")
