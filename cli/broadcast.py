"""``chatbot broadcast``: send a notice to families, and ``chatbot broadcast status [ID]``.

Without ``--wait`` the broadcast is only queued (``chatbot worker`` sends it); with it, this
process sends it through the same worker loop and shows progress.
"""

from __future__ import annotations

import asyncio
import getpass
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chatbot.db.engine import session_scope
from chatbot.db.models import BroadcastKind, Channel
from chatbot.delivery.audience import Audience, AudienceError, parse_students
from chatbot.delivery.notices import AudiencePreview, NoticeError, preview_audience, queue_notice
from chatbot.delivery.outbox import Queued, backlog, utcnow
from chatbot.delivery.reach import REACH_LABELS, route_counts, unreachable
from chatbot.delivery.receipts import (
    Counts,
    broadcast_status,
    counts,
    failure_reasons,
    recent_broadcasts,
)
from chatbot.delivery.worker import DeliveryWorker, WorkerOptions, sole_sqlite_sender
from chatbot.school.importing.values import normalize_class_name
from chatbot.settings import TIMEZONE, process_settings
from cli.school import SchoolOption, fail, resolve_school
from cli.senders import channel_senders
from cli.worker import close_senders, install_stop_signals
from cli.zalo import preview_table, unreachable_table

WAIT_LIMIT = timedelta(minutes=10)  # --wait stops when the rest is held longer than this
KIND_LABELS = {
    BroadcastKind.ANNOUNCEMENT: "Thông báo",
    BroadcastKind.REMINDER: "Nhắc giờ học",
    BroadcastKind.ALERT: "Cảnh báo",
}
ALL_CHANNELS = {c.value for c in Channel}


def default_sender() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return process_settings().user or "cli"


def local_text(moment: datetime | None) -> str:
    return f"{moment.astimezone(TIMEZONE):%d/%m/%Y %H:%M}" if moment else ""


def _audience(school_code: str, grades: list[int], classes: list[str], students: str | None) -> Audience:
    try:
        names = tuple(normalize_class_name(c) for c in classes)
        listed = parse_students(students) if students else ()
    except (ValueError, AudienceError) as exc:
        fail(str(exc))
    return Audience(school=school_code, grades=tuple(grades), classes=names, students=listed)


def queue_from_cli(
    school_code: str | None,
    grades: list[int],
    classes: list[str],
    students: str | None,
    text: str,
    ask_receipt: bool,
    key: str | None,
    sender: str,
) -> Queued:
    if not text.strip():
        fail("nội dung --text đang trống")
    with session_scope() as session:
        school = resolve_school(session, school_code)
        audience = _audience(school.code, grades, classes, students)
        try:
            return queue_notice(
                session, school, audience, text, sender=sender, ask_receipt=ask_receipt, key=key
            )
        except (AudienceError, NoticeError) as exc:
            fail(str(exc))


def preview_from_cli(
    school_code: str | None, grades: list[int], classes: list[str], students: str | None, text: str,
    ask_receipt: bool,
) -> AudiencePreview:
    with session_scope() as session:
        school = resolve_school(session, school_code)
        audience = _audience(school.code, grades, classes, students)
        try:
            found = preview_audience(session, school, audience, text, ask_receipt=ask_receipt)
        except AudienceError as exc:
            fail(str(exc))
    if found.refusal:
        fail(f"không gửi được: {found.refusal}")
    return found


def summary_table(title: str, total: Counts) -> Table:
    table = Table(title=title)
    for header in ("Tổng", "Đã gửi", "Lỗi", "Đang chờ", "Đã nhận"):
        table.add_column(header, justify="right")
    table.add_row(
        str(total.total), str(total.sent), str(total.failed),
        str(total.pending + total.sending), str(total.acknowledged),
    )
    return table


async def send_with_progress(broadcast_id: int, console: Console) -> Counts:
    """Send one broadcast in-process (or watch another worker send it) with a progress bar."""
    with sole_sqlite_sender() as sole:
        senders = channel_senders() if sole else {}
        if sole and not senders:
            fail("chưa cấu hình kênh gửi nào; thông báo đã vào hàng chờ của chatbot worker")
        stop = asyncio.Event()
        install_stop_signals(stop)
        worker = DeliveryWorker(senders, WorkerOptions(), broadcast_id=broadcast_id) if senders else None
        task = asyncio.create_task(worker.run(stop, until="idle")) if worker else None
        channels = set(senders) or ALL_CHANNELS
        try:
            with Progress(
                TextColumn("Đang gửi"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=console,
            ) as progress:
                bar = progress.add_task("gửi", total=None)
                while True:
                    done = await asyncio.to_thread(_counts, broadcast_id)
                    progress.update(bar, total=done.total, completed=done.sent + done.failed)
                    left = await asyncio.to_thread(_backlog, broadcast_id, channels)
                    if left.empty or stop.is_set() or (task is not None and task.done()):
                        break
                    held = left.due == 0 and left.sending == 0 and left.next_at is not None
                    if held and left.next_at - utcnow() > WAIT_LIMIT:
                        break  # held for quiet hours or a long retry: the worker sends it
                    await asyncio.sleep(0.5)
                done = await asyncio.to_thread(_counts, broadcast_id)
                progress.update(bar, total=done.total, completed=done.sent + done.failed)
        finally:
            stop.set()
            if task is not None:
                await task
            await close_senders(senders)
        return await asyncio.to_thread(_counts, broadcast_id)


def _counts(broadcast_id: int) -> Counts:
    with session_scope() as session:
        return counts(session, broadcast_id)


def _backlog(broadcast_id: int, channels: set[str]):  # noqa: ANN202 - outbox.Backlog
    with session_scope() as session:
        return backlog(
            session, channels, lease=WorkerOptions().lease, broadcast_id=broadcast_id
        )


def _status_of(broadcast_id: int, console: Console) -> None:
    with session_scope() as session:
        status = broadcast_status(session, broadcast_id)
        if status is None:
            fail(f"không có thông báo số {broadcast_id}")
        b = status.broadcast
        console.print(
            f"[bold]#{b.id}[/bold] {KIND_LABELS[b.kind]} — {local_text(b.created_at)} — "
            f"người gửi: {b.sender} — nhóm nhận: {b.audience}"
            + (" — có nút “Đã nhận”" if b.ask_receipt else "")
        )
        console.print(b.text)
        table = Table(show_lines=False)
        for header in ("Lớp", "Tổng", "Đã gửi", "Lỗi", "Đang chờ", "Đã nhận"):
            table.add_column(header, justify="left" if header == "Lớp" else "right")
        for name, c in status.by_class.items():
            table.add_row(name, str(c.total), str(c.sent), str(c.failed), str(c.pending + c.sending),
                          str(c.acknowledged) if b.ask_receipt else "—")
        t = status.total
        table.add_row("[bold]Tổng[/bold]", str(t.total), str(t.sent), str(t.failed),
                      str(t.pending + t.sending), str(t.acknowledged) if b.ask_receipt else "—")
        reasons = failure_reasons(session, broadcast_id)
        routes = route_counts(session, broadcast_id)
        missed = unreachable(session, broadcast_id)
    console.print(table)
    by_route = ", ".join(f"{REACH_LABELS.get(r, r)} {n}" for r, n in sorted(routes.items()))
    console.print(f"Theo tuyến: {by_route}")
    if missed:
        console.print(unreachable_table(missed))
    console.print("Một tài khoản có con ở nhiều lớp được tính ở mỗi lớp; dòng Tổng tính một lần.")
    if reasons:
        why = Table(title="Lý do lỗi")
        why.add_column("Lý do")
        why.add_column("Số tin", justify="right")
        for reason, count in reasons:
            why.add_row(reason, str(count))
        console.print(why)


def _recent(console: Console) -> None:
    with session_scope() as session:
        rows = recent_broadcasts(session)
        table = Table(title="Thông báo gần đây")
        for header in ("Số", "Lúc", "Loại", "Nhóm nhận", "Người gửi", "Đã gửi", "Lỗi", "Đang chờ", "Đã nhận"):
            table.add_column(header)
        for b, c in rows:
            table.add_row(str(b.id), local_text(b.created_at), KIND_LABELS[b.kind], b.audience, b.sender,
                          f"{c.sent}/{c.total}", str(c.failed), str(c.pending + c.sending),
                          str(c.acknowledged) if b.ask_receipt else "—")
    if not rows:
        typer.echo("Chưa có thông báo nào.")
        return
    console.print(table)


def register(app: typer.Typer) -> None:
    broadcast_app = typer.Typer(
        help="Gửi thông báo tới gia đình học sinh của trường, khối, lớp hoặc từng học sinh.",
        invoke_without_command=True,
    )

    @broadcast_app.callback()
    def broadcast(
        ctx: typer.Context,
        text: Annotated[str | None, typer.Option("--text", help="Nội dung thông báo.")] = None,
        school: SchoolOption = None,
        grade: Annotated[list[int], typer.Option("--grade", help="Gửi cho một khối (lặp lại được).")] = [],  # noqa: B006
        class_name: Annotated[
            list[str], typer.Option("--class", help="Gửi cho một lớp (lặp lại được).")
        ] = [],  # noqa: B006
        students: Annotated[
            str | None, typer.Option("--students", help="Gửi cho từng học sinh: LỚP:STT,… ví dụ 6A:1,6A:5.")
        ] = None,
        ask_receipt: Annotated[
            bool, typer.Option("--ask-receipt", help="Kèm nút “Đã nhận” để gia đình xác nhận.")
        ] = False,
        key: Annotated[
            str | None,
            typer.Option("--key", help="Khoá chống gửi trùng (mặc định: theo nội dung, nhóm nhận, ngày)."),
        ] = None,
        sender: Annotated[
            str | None, typer.Option("--sender", help="Tên người gửi được ghi lại (mặc định: tài khoản máy).")
        ] = None,
        wait: Annotated[
            bool, typer.Option("--wait", help="Gửi ngay trong lệnh này và hiện tiến độ.")
        ] = False,
        preview: Annotated[
            bool, typer.Option("--preview", help="Chỉ xem số tin theo tuyến và chi phí; không gửi.")
        ] = False,
    ) -> None:
        """Gửi thông báo; chỉ --school: cả trường; thêm --grade/--class/--students: các nhóm đó."""
        if ctx.invoked_subcommand is not None:
            return
        if text is None and not (school or grade or class_name or students):
            typer.echo(ctx.get_help())
            return
        if text is None:
            fail("thiếu nội dung: --text \"…\"")
        if not (school or grade or class_name or students):
            fail("chọn nhóm nhận: --school MÃ (cả trường), --grade, --class hoặc --students")
        console = Console()
        if preview:
            found = preview_from_cli(school, grade, class_name, students, text, ask_receipt)
            console.print(preview_table(found))
            return
        queued = queue_from_cli(
            school, grade, class_name, students, text, ask_receipt, key, sender or default_sender()
        )
        if queued.created:
            console.print(f"Đã xếp thông báo số {queued.broadcast_id} cho {queued.recipients} tài khoản.")
            if queued.unreachable:
                console.print(
                    f"{queued.unreachable} gia đình chưa liên lạc được; xem lý do: "
                    f"chatbot broadcast status {queued.broadcast_id}"
                )
        else:
            console.print(
                f"Thông báo số {queued.broadcast_id} đã được tạo trước đó với cùng khoá; không tạo thêm."
            )
        if not wait:
            console.print("Tiến trình chatbot worker sẽ gửi. Xem kết quả: "
                          f"chatbot broadcast status {queued.broadcast_id}")
            return
        total = asyncio.run(send_with_progress(queued.broadcast_id, console))
        console.print(summary_table(f"Thông báo số {queued.broadcast_id}", total))
        if not total.finished:
            console.print("Số tin còn lại sẽ được chatbot worker gửi (ví dụ sau giờ yên lặng ban đêm).")

    @broadcast_app.command("status")
    def status(
        broadcast_id: Annotated[
            int | None, typer.Argument(help="Số thông báo; bỏ trống để xem các thông báo gần đây.")
        ] = None,
    ) -> None:
        """Kết quả gửi theo lớp: đã gửi, lỗi, đang chờ, đã nhận."""
        console = Console()
        if broadcast_id is None:
            _recent(console)
        else:
            _status_of(broadcast_id, console)

    app.add_typer(broadcast_app, name="broadcast")
