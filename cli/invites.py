"""``chatbot invites``: issue invite codes per class and export them for printing; revoke codes."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from chatbot.db.engine import session_scope
from chatbot.db.models import Role
from chatbot.school.invite_batches import (
    InviteBatch,
    InviteError,
    issue_for_class,
    revoke_code,
    revoke_for_class,
)
from chatbot.school.invite_sheets import ROLE_LABELS, export_batch
from chatbot.settings import get_settings
from cli.school import SchoolOption, fail, resolve_class, resolve_school

_ROLLS = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")
PLAIN_CODES_NOTE = (
    "Lưu ý: hệ thống chỉ lưu bản băm của mã, nên mã thật chỉ có trong các tệp vừa xuất. "
    "In xong hãy cất giữ cẩn thận hoặc xoá tệp; mất mã thì tạo lại bằng --regenerate."
)


class InviteRole(str, Enum):
    parent = "parent"
    student = "student"
    teacher = "teacher"


StudentsOption = Annotated[
    str | None, typer.Option("--students", help="Chỉ các STT này, ví dụ “1,4,7-9”.")
]


def parse_rolls(text: str | None) -> set[int] | None:
    """ "1,4,7-9" → {1, 4, 7, 8, 9}."""
    if text is None:
        return None
    rolls: set[int] = set()
    for part in text.split(","):
        match = _ROLLS.match(part)
        if not match:
            fail(f"--students: “{part.strip()}” không phải STT hoặc khoảng STT (ví dụ 1,4,7-9)")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if first < 1 or last < first or last - first > 200:
            fail(f"--students: khoảng “{part.strip()}” không hợp lệ")
        rolls.update(range(first, last + 1))
    return rolls


def show_batch(batch: InviteBatch, files: tuple[Path, Path] | None) -> None:
    role = ROLE_LABELS[batch.role].lower()
    typer.echo(f"Lớp {batch.class_name} — mã cho {role}: tạo {len(batch.issued)} mã.")
    if batch.revoked:
        typer.echo(f"  Đã huỷ {batch.revoked} mã cũ chưa dùng.")
    if batch.skipped:
        typer.echo(f"  Bỏ qua ({len(batch.skipped)}):")
        for line in batch.skipped:
            typer.echo(f"    - {line}")
    if files:
        typer.echo(f"  Tệp in (HTML): {files[1]}")
        typer.echo(f"  Bảng tính (CSV): {files[0]}")


def export_all(
    batches: list[InviteBatch], out_dir: Path, bot_username: str | None, zalo_oa: str | None, now: datetime
) -> dict[str, tuple[Path, Path]]:
    """Export every batch that issued codes; if one cannot be written, remove the others and fail
    (the caller's transaction then rolls the codes back)."""
    files: dict[str, tuple[Path, Path]] = {}
    try:
        for batch in batches:
            if batch.issued:
                files[batch.class_name] = export_batch(batch, out_dir, bot_username=bot_username,
                                                       zalo_oa=zalo_oa, now=now)
    except OSError as exc:
        for path in (p for pair in files.values() for p in pair):
            path.unlink(missing_ok=True)
        fail(f"{out_dir}: không ghi được tệp ({exc.strerror}); chưa tạo mã nào")
    return files


def register(app: typer.Typer) -> None:
    invites_app = typer.Typer(
        help="Mã mời kết nối phụ huynh, học sinh, giáo viên với trợ lý.",
        invoke_without_command=True,
        no_args_is_help=False,
    )

    @invites_app.callback()
    def issue(
        ctx: typer.Context,
        classes: Annotated[
            list[str] | None, typer.Option("--class", help="Lớp (lặp lại để chọn nhiều lớp).")
        ] = None,
        role: Annotated[InviteRole, typer.Option(help="Mã cho ai.")] = InviteRole.parent,
        students: StudentsOption = None,
        regenerate: Annotated[
            bool, typer.Option("--regenerate", help="Huỷ mã cũ chưa dùng rồi tạo mã mới.")
        ] = False,
        out: Annotated[
            Path | None, typer.Option(help="Thư mục lưu tệp (mặc định: <data>/invites).")
        ] = None,
        zalo_oa: Annotated[
            str | None,
            typer.Option("--zalo-oa", help="Tên Zalo OA của trường, in trên thẻ (mặc định: ZALO_OA_NAME)."),
        ] = None,
        school: SchoolOption = None,
    ) -> None:
        """Tạo mã mời cho một lớp và xuất tệp in (HTML) và bảng tính (CSV).

        Mặc định: mã cho phụ huynh của mọi học sinh chưa kết nối và chưa có mã.
        --role teacher: mã cho giáo viên chủ nhiệm của lớp.
        """
        if ctx.invoked_subcommand is not None:
            return
        if not classes:
            fail("cần chọn lớp, ví dụ: chatbot invites --class 6A")
        rolls = parse_rolls(students)
        if role is InviteRole.teacher and rolls is not None:
            fail("--students không dùng cùng --role teacher")
        settings = get_settings()
        out_dir = out or settings.data_dir / "invites"
        now = datetime.now(timezone.utc)
        with session_scope() as session:
            found = resolve_school(session, school)
            targets = [resolve_class(session, found, name) for name in classes]
            try:
                batches = [
                    issue_for_class(session, target, Role(role.value), rolls=rolls, regenerate=regenerate,
                                    include_linked=rolls is not None, now=now)
                    for target in targets
                ]
            except InviteError as exc:
                fail(str(exc))
            zalo_oa = zalo_oa or settings.zalo_oa_name
            files = export_all(batches, out_dir, settings.telegram_bot_username, zalo_oa, now)
        for batch in batches:
            show_batch(batch, files.get(batch.class_name))
        if files:
            typer.echo(PLAIN_CODES_NOTE)
            if not settings.telegram_bot_username:
                typer.echo("Chưa đặt TELEGRAM_BOT_USERNAME nên thẻ chưa có mã QR Telegram.")

    @invites_app.command("revoke")
    def revoke(
        class_name: Annotated[str | None, typer.Option("--class", help="Huỷ mã chưa dùng của lớp.")] = None,
        role: Annotated[InviteRole | None, typer.Option(help="Chỉ mã cho vai trò này.")] = None,
        students: StudentsOption = None,
        code: Annotated[str | None, typer.Option(help="Huỷ đúng một mã, ví dụ ABCD-2345.")] = None,
        school: SchoolOption = None,
    ) -> None:
        """Huỷ mã mời chưa dùng (mã đã dùng thì không huỷ được)."""
        if (class_name is None) == (code is None):
            fail("chọn một trong hai: --class LỚP hoặc --code MÃ")
        with session_scope() as session:
            if code is not None:
                problem = revoke_code(session, code)
                if problem:
                    fail(f"{code}: {problem}")
                typer.echo(f"Đã huỷ mã {code.strip().upper()}.")
                return
            school_class = resolve_class(session, resolve_school(session, school), class_name or "")
            try:
                count = revoke_for_class(session, school_class, role=Role(role.value) if role else None,
                                         rolls=parse_rolls(students))
            except InviteError as exc:
                fail(str(exc))
        typer.echo(f"Lớp {school_class.name}: đã huỷ {count} mã chưa dùng.")

    app.add_typer(invites_app, name="invites")
