"""``chatbot zalo``: the template registry, the daily budget of paid routes, reach per class.

- ``chatbot zalo templates [list]`` / ``set KIND ROUTE TEMPLATE_ID --params …`` / ``remove``;
- ``chatbot zalo budget [--resume]``: today's spending and the messages it holds;
- ``chatbot zalo reach``: per class, families reachable by each route and not at all.

The route and cost tables are also used by ``chatbot broadcast`` (preview and status).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from chatbot.db.engine import session_scope
from chatbot.delivery import budget
from chatbot.delivery.notices import AudiencePreview
from chatbot.delivery.outbox import utcnow
from chatbot.delivery.reach import REACH_COLUMNS, REACH_LABELS, ClassReach, Unreachable, class_reach
from chatbot.delivery.zalo_templates import (
    KINDS,
    TEMPLATE_ROUTES,
    TemplateError,
    all_templates,
    remove_template,
    set_template,
)
from cli.school import SchoolOption, fail, resolve_school


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def preview_table(preview: AudiencePreview) -> Table:
    table = Table(title="Dự kiến gửi theo tuyến")
    for header in ("Tuyến", "Số tin", "Chi phí ước tính"):
        table.add_column(header, justify="left" if header == "Tuyến" else "right")
    for line in preview.lines:
        table.add_row(line.label, str(line.count), vnd(line.cost_vnd) if line.cost_vnd is not None else "")
    table.add_row("[bold]Tổng[/bold]", str(preview.total), vnd(preview.cost_vnd))
    if preview.unreachable:
        table.add_row("Không liên lạc được", str(preview.unreachable), "")
    return table


def unreachable_table(listed: list[Unreachable]) -> Table:
    table = Table(title="Gia đình chưa nhận được và lý do")
    for header in ("Lớp", "STT", "Họ và tên", "Lý do"):
        table.add_column(header, overflow="fold")
    for item in listed:
        table.add_row(Text(item.class_name), str(item.roll_number), Text(item.full_name), Text(item.reason))
    return table


def reach_table(rows: list[ClassReach]) -> Table:
    table = Table(title="Liên lạc được với gia đình qua tuyến nào (mỗi gia đình một tuyến tốt nhất)")
    table.add_column("Lớp")
    for column in REACH_COLUMNS:
        table.add_column(REACH_LABELS[column], justify="right")
    totals = dict.fromkeys(REACH_COLUMNS, 0)
    for row in rows:
        table.add_row(row.class_name, *(str(row.counts[c]) for c in REACH_COLUMNS))
        for column in REACH_COLUMNS:
            totals[column] += row.counts[column]
    table.add_row("[bold]Toàn trường[/bold]", *(str(totals[c]) for c in REACH_COLUMNS))
    return table


def register(app: typer.Typer) -> None:
    zalo_app = typer.Typer(
        help="Zalo: mẫu tin, ngân sách ZNS, khả năng liên lạc theo lớp.", no_args_is_help=True
    )
    templates_app = typer.Typer(help="Mẫu tin giao dịch và mẫu ZNS của từng loại thông báo.",
                                invoke_without_command=True)

    @templates_app.callback()
    def templates(ctx: typer.Context) -> None:
        """Liệt kê các mẫu đã khai báo (khi không có lệnh con)."""
        if ctx.invoked_subcommand is not None:
            return
        with session_scope() as session:
            found = all_templates(session)
        if not found:
            typer.echo("Chưa khai báo mẫu nào. Ví dụ: chatbot zalo templates set class_reminder zns 248001 "
                       "--params \"school_name:school:60;content:text:400\"")
            return
        table = Table(title="Mẫu tin Zalo")
        for header in ("Loại thông báo", "Tuyến", "Mã mẫu", "Tham số (tên:nguồn:giới hạn)", "Trạng thái"):
            table.add_column(header, overflow="fold")
        for t in found:
            table.add_row(t.kind, t.route, Text(t.template_id), Text(t.spec.replace(";", "; ")),
                          f"dừng: {t.disabled_reason}" if t.disabled_reason else "dùng được")
        Console().print(table)

    @templates_app.command("set")
    def set_command(
        kind: Annotated[str, typer.Argument(help=f"Loại thông báo: {', '.join(KINDS)}.")],
        route: Annotated[str, typer.Argument(help=f"Tuyến: {' hoặc '.join(TEMPLATE_ROUTES)}.")],
        template_id: Annotated[
            str, typer.Argument(help="Mã mẫu ZNS đã duyệt, hoặc loại transaction_… của Zalo.")
        ],
        params: Annotated[str, typer.Option("--params", help="tên:nguồn:giới_hạn;… (nguồn: text, school, "
                                                            "date, title, code, link).")],
    ) -> None:
        """Khai báo (hoặc thay) mẫu của một loại thông báo trên một tuyến."""
        try:
            with session_scope() as session:
                template = set_template(session, kind, route, template_id, params)
        except TemplateError as exc:
            fail(str(exc))
        typer.echo(f"Đã lưu mẫu {template.template_id} cho {template.kind} ({template.route}).")

    @templates_app.command("remove")
    def remove_command(kind: str, route: str) -> None:
        """Bỏ mẫu của một loại thông báo trên một tuyến."""
        with session_scope() as session:
            removed = remove_template(session, kind, route)
        if not removed:
            fail(f"không có mẫu {kind} trên tuyến {route}")
        typer.echo(f"Đã bỏ mẫu {kind} ({route}).")

    @zalo_app.command("budget")
    def budget_command(
        resume: Annotated[
            bool, typer.Option("--resume", help="Gửi tiếp ngay các tin đang chờ ngân sách.")
        ] = False,
    ) -> None:
        """Ngân sách tin trả phí hôm nay: đã dùng, còn lại, số tin đang chờ."""
        now = utcnow()
        with session_scope() as session:
            resumed = budget.resume(session, now) if resume else 0
            state = budget.state(session, now)
        typer.echo(
            f"Ngày {state.day:%d/%m/%Y}: ngân sách {vnd(state.budget_vnd)}, đã dùng {vnd(state.spent_vnd)}, "
            f"còn {vnd(state.left_vnd)}; {state.held} tin đang chờ ngân sách."
        )
        if resume:
            typer.echo(f"Đã cho {resumed} tin gửi tiếp; chatbot worker sẽ gửi trong giới hạn ngân sách.")

    @zalo_app.command("reach")
    def reach_command(school: SchoolOption = None) -> None:
        """Theo lớp: số gia đình liên lạc được qua từng tuyến, và không liên lạc được."""
        with session_scope() as session:
            found = resolve_school(session, school)
            rows = class_reach(session, utcnow(), found.id)
        Console().print(reach_table(rows))

    @zalo_app.command("invites")
    def invites_command(
        class_name: Annotated[str, typer.Option("--class", help="Lớp cần gửi mã mời qua ZNS.")],
        school: SchoolOption = None,
        regenerate: Annotated[
            bool, typer.Option("--regenerate", help="Thu hồi mã còn hạn (kể cả mã đã in) và cấp mã mới.")
        ] = False,
        resend: Annotated[
            bool, typer.Option("--resend", help="Gửi lại cho gia đình đã nhận ZNS mời.")
        ] = False,
    ) -> None:
        """Gửi mã mời qua ZNS tới số điện thoại phụ huynh của các gia đình chưa kết nối."""
        import asyncio

        from chatbot.school.zns_invites import ZnsInviteError, send_invites
        from cli.school import resolve_class
        from cli.senders import channel_senders
        from cli.worker import close_senders

        with session_scope() as session:
            class_id = resolve_class(session, resolve_school(session, school), class_name).id
        senders = channel_senders()
        if "zns" not in senders:
            fail("chưa cấu hình Zalo (ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY): không gửi được ZNS")

        async def run() -> object:
            try:
                return await send_invites(class_id, senders["zns"], regenerate=regenerate, resend=resend)
            finally:
                await close_senders(senders)

        try:
            result = asyncio.run(run())
        except ZnsInviteError as exc:
            fail(str(exc))
        typer.echo(
            f"Đã gửi {len(result.sent)} mã mời qua ZNS; lỗi {len(result.failed)}; "
            f"bỏ qua {len(result.skipped)}."
        )
        for line in result.failed + result.skipped:
            typer.echo(f"  {line}")

    @zalo_app.command("not-linked")
    def not_linked_command(
        days: Annotated[int, typer.Option("--days", min=1, help="Số ngày sau khi gửi mã.")] = 7,
        school: SchoolOption = None,
    ) -> None:
        """Gia đình đã nhận mã mời qua ZNS từ DAYS ngày trước mà chưa kết nối."""
        from chatbot.school.zns_invites import not_linked_after

        with session_scope() as session:
            listed = not_linked_after(session, resolve_school(session, school).id, days)
        if not listed:
            typer.echo(f"Không có gia đình nào nhận mã qua ZNS từ {days} ngày trước mà chưa kết nối.")
            return
        table = Table(title=f"Đã nhận mã qua ZNS từ {days} ngày trước, chưa kết nối")
        for header in ("Lớp", "STT", "Họ và tên", "Số điện thoại", "Ngày gửi"):
            table.add_column(header)
        for item in listed:
            table.add_row(Text(item.class_name), str(item.roll_number), Text(item.full_name), item.phone,
                          f"{item.invited_at:%d/%m/%Y}")
        Console().print(table)

    zalo_app.add_typer(templates_app, name="templates")
    app.add_typer(zalo_app, name="zalo")
