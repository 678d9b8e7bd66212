"""``chatbot demo-data``: load the demo school and print a few invite codes to try."""

from __future__ import annotations

from typing import Annotated

import typer

from chatbot.db.engine import session_scope
from chatbot.db.migrate import upgrade_database
from chatbot.school.demo import DEMO_SCHOOL_CODE, DEMO_SCHOOL_NAME, load_demo
from chatbot.school.invite_sheets import ROLE_LABELS, telegram_link
from chatbot.settings import get_settings
from cli.imports import show_summary


def register(app: typer.Typer) -> None:
    @app.command("demo-data")
    def demo_data(
        invites: Annotated[
            bool, typer.Option("--invites/--no-invites", help="In vài mã mời để thử (mặc định: có).")
        ] = True,
    ) -> None:
        """Nạp trường mẫu “Trường THCS Hoa Sen” (chạy lại không đổi dữ liệu; mã mời được cấp mới)."""
        load_and_print_demo(with_invites=invites)


def show_logins(logins: list) -> None:
    settings = get_settings()
    typer.echo("")
    typer.echo(f"Trang quản lý: {settings.web_public_url} — tài khoản thử (mật khẩu mới mỗi lần chạy):")
    width = max(len(login.role) for login in logins)
    for login in logins:
        typer.echo(f"  {login.role:<{width}}  {login.username} / {login.password}")


def load_and_print_demo(with_invites: bool = True) -> None:
    """Load the demo school idempotently and print fresh invite codes to try."""
    upgrade_database()
    with session_scope() as session:
        result = load_demo(session, with_invites=with_invites)
    verb = "Đã tạo" if result.school_created else "Đã có"
    typer.echo(f"{verb} {DEMO_SCHOOL_NAME} (mã {DEMO_SCHOOL_CODE}).")
    for summary in result.summaries:
        show_summary(summary)
    if result.logins:
        show_logins(result.logins)
    if not result.invites:
        return
    bot = get_settings().telegram_bot_username
    typer.echo("")
    typer.echo("Mã mời để thử (chỉ hiện một lần; chạy lại lệnh này sẽ cấp mã mới):")
    for batch in result.invites:
        for invite in batch.issued:
            who = f"{invite.full_name}, lớp {invite.class_name}"
            if invite.display_name:
                who += f", tên hiển thị “{invite.display_name}”"
            line = f"  {invite.code}  {ROLE_LABELS[invite.role]} — {who}"
            link = telegram_link(invite.code, bot)
            typer.echo(f"{line}  {link}" if link else line)
        for skipped in batch.skipped:
            typer.echo(f"  (bỏ qua) {skipped}")
    revoked = sum(batch.revoked for batch in result.invites)
    if revoked:
        typer.echo(f"Đã huỷ {revoked} mã thử cũ chưa dùng của những người này.")
    typer.echo("Gửi một mã cho trợ lý để kết nối; xem tiến độ bằng: chatbot status --class 6A")
