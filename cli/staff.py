"""``chatbot staff``: sign-in accounts of the web app (add, list, set a password, disable)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chatbot.db.engine import session_scope
from chatbot.db.models import StaffMember, StaffUser, WebRole, WebSession
from chatbot.school.importing.lookups import name_key
from chatbot.school.staff_accounts import (
    ROLE_LABELS,
    StaffAccountError,
    create_account,
    find_by_username,
    password_problem,
    set_password,
)
from cli.school import fail, resolve_school


class RoleChoice(str, Enum):
    office = "office"
    admin = "admin"
    teacher = "teacher"


def ask_password() -> str:
    """Prompt twice without echo; refuses a weak password before asking again."""
    while True:
        password = typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
        problem = password_problem(password)
        if problem is None:
            return password
        typer.echo(f"Lỗi: {problem}", err=True)


def _staff_member(session: Session, school_id: int, name: str) -> StaffMember:
    member = next(
        (m for m in session.scalars(select(StaffMember).where(StaffMember.school_id == school_id))
         if name_key(m.full_name) == name_key(name)),
        None,
    )
    if member is None:
        fail(f"không có giáo viên “{name}” trong danh sách giáo viên của trường")
    return member


def _account(session: Session, username: str) -> StaffUser:
    user = find_by_username(session, username)
    if user is None:
        fail(f"không có tài khoản “{username}” (xem: chatbot staff list)")
    return user


def register(app: typer.Typer) -> None:
    staff_app = typer.Typer(help="Tài khoản đăng nhập trang quản lý (web).", no_args_is_help=True)

    @staff_app.command("add")
    def add(
        username: Annotated[str, typer.Argument(help="Tên đăng nhập, ví dụ hieupho.hoasen.")],
        name: Annotated[str, typer.Option("--name", help="Họ tên người dùng.")],
        role: Annotated[RoleChoice, typer.Option(help="office: Phòng GDĐT; admin: quản trị trường; "
                                                      "teacher: giáo viên.")] = RoleChoice.admin,
        school: Annotated[
            str | None, typer.Option("--school", help="Mã trường (không dùng cho office).")
        ] = None,
        teacher: Annotated[
            str | None, typer.Option("--teacher", help="Họ tên giáo viên trong danh sách (vai trò teacher).")
        ] = None,
        no_password: Annotated[
            bool, typer.Option("--no-password", help="Không đặt mật khẩu: chỉ đăng nhập bằng liên kết.")
        ] = False,
    ) -> None:
        """Tạo tài khoản đăng nhập trang quản lý."""
        web_role = WebRole(role.value)
        if web_role is WebRole.TEACHER and not teacher:
            fail("tài khoản giáo viên cần --teacher “Họ tên” như trong danh sách giáo viên")
        password = None if no_password else ask_password()
        with session_scope() as session:
            found = None if web_role is WebRole.OFFICE else resolve_school(session, school)
            if web_role is WebRole.OFFICE and school:
                fail("tài khoản Phòng GDĐT xem mọi trường; bỏ --school")
            member = _staff_member(session, found.id, teacher) if teacher and found else None
            try:
                user = create_account(session, username=username, full_name=name, role=web_role,
                                      school=found, staff_member=member, password=password)
            except StaffAccountError as exc:
                fail(str(exc))
            where = f", {found.name}" if found else ""
            typer.echo(f"Đã tạo tài khoản {user.username} ({ROLE_LABELS[web_role]}{where}).")

    @staff_app.command("list")
    def list_accounts(
        school: Annotated[str | None, typer.Option("--school", help="Chỉ tài khoản của trường này.")] = None,
    ) -> None:
        """Liệt kê tài khoản."""
        with session_scope() as session:
            query = select(StaffUser).order_by(StaffUser.role, StaffUser.username)
            if school:
                query = query.where(StaffUser.school_id == resolve_school(session, school).id)
            users = list(session.scalars(query))
            table = Table("Tên đăng nhập", "Họ tên", "Vai trò", "Trường", "Mật khẩu", "Trạng thái")
            for u in users:
                table.add_row(u.username, u.full_name, ROLE_LABELS[u.role], u.school.code if u.school else "",
                              "có" if u.password_hash else "chưa (đăng nhập bằng liên kết)",
                              "hoạt động" if u.active else "đã khoá")
        if not users:
            typer.echo("Chưa có tài khoản nào — tạo bằng: chatbot staff add TÊN --name “Họ tên”")
            return
        Console().print(table)

    @staff_app.command("set-password")
    def set_password_command(username: Annotated[str, typer.Argument(help="Tên đăng nhập.")]) -> None:
        """Đặt lại mật khẩu (các phiên đăng nhập cũ bị đăng xuất)."""
        password = ask_password()
        with session_scope() as session:
            user = _account(session, username)
            set_password(user, password)
            session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        typer.echo(f"Đã đặt mật khẩu mới cho {user.username}; mọi phiên đăng nhập cũ đã kết thúc.")

    @staff_app.command("disable")
    def disable(username: Annotated[str, typer.Argument(help="Tên đăng nhập.")]) -> None:
        """Khoá tài khoản và đăng xuất khỏi mọi nơi."""
        with session_scope() as session:
            user = _account(session, username)
            user.active = False
            session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        typer.echo(f"Đã khoá tài khoản {user.username}.")

    @staff_app.command("enable")
    def enable(username: Annotated[str, typer.Argument(help="Tên đăng nhập.")]) -> None:
        """Mở khoá tài khoản."""
        with session_scope() as session:
            _account(session, username).active = True
        typer.echo(f"Đã mở khoá tài khoản {username.strip().lower()}.")

    app.add_typer(staff_app, name="staff")
