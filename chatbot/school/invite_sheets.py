"""Export a batch of invite codes as a CSV file and a printable, self-contained HTML sheet.

Each card shows who the code is for, the display name to use in online class (dispatch
1.3.c, 1.4.b), the code, a QR code of the Telegram deep link when the bot's username is
known (inline SVG, so the sheet is one file), and how to send the code on Zalo. The files
hold the only copy of the plain codes: they are written readable by the owner only.
"""

from __future__ import annotations

import csv
import html
import io
import os
from datetime import datetime
from pathlib import Path
from string import Template

import qrcode
from qrcode.image.svg import SvgPathImage

from chatbot.db.models import Role
from chatbot.school.invite_batches import InviteBatch, IssuedInvite
from chatbot.settings import TIMEZONE, get_settings

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "invite_sheet.html"
ROLE_LABELS = {
    Role.PARENT: "Phụ huynh",
    Role.STUDENT: "Học sinh",
    Role.TEACHER: "Giáo viên chủ nhiệm",
    Role.STAFF: "Cán bộ nhà trường",
}
CSV_HEADERS = ["Trường", "Lớp", "STT", "Họ và tên", "Tên hiển thị", "Dành cho", "Mã mời",
               "Link Telegram", "Hạn dùng"]


def telegram_link(code: str, bot_username: str | None) -> str | None:
    """``https://t.me/<bot>?start=<code without hyphen>``, or None without a bot username."""
    if not bot_username:
        return None
    return f"https://t.me/{bot_username.lstrip('@')}?start={code.replace('-', '')}"


def qr_svg(data: str) -> str:
    """An inline ``<svg>`` element of a QR code for ``data``."""
    image = qrcode.make(data, image_factory=SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode").replace(' id="qr-path"', "")  # ids must be unique
    return svg[svg.index("<svg"):]


def oa_follow_url() -> str | None:
    """The school OA's follow link (``ZALO_OA_FOLLOW_URL``) when it is an https address."""
    url = get_settings().zalo_routes.oa_follow_url
    return url if url and url.startswith("https://") and len(url) <= 300 else None


def _local_day(moment: datetime) -> str:
    return moment.astimezone(TIMEZONE).strftime("%d/%m/%Y")


def zalo_instruction(code: str, zalo_oa: str | None) -> str:
    oa = f"OA “{zalo_oa}”" if zalo_oa else "Zalo OA của nhà trường"
    return f"Quan tâm {oa} rồi gửi mã {code}"


def _card(batch: InviteBatch, invite: IssuedInvite, bot_username: str | None, zalo_oa: str | None) -> str:
    esc = html.escape
    if invite.roll_number is not None:
        where = f"Lớp {invite.class_name} · STT {invite.roll_number:02d}"
        who = f"Mã kết nối dành cho: <b>{esc(ROLE_LABELS[invite.role])}</b>"
    else:
        where = f"Lớp {invite.class_name}"
        who = f"Mã kết nối dành cho: <b>{esc(ROLE_LABELS[invite.role])} lớp {esc(invite.class_name)}</b>"
    lines = [
        '<article class="card">',
        f"<header><span>{esc(batch.school_name)}</span><span>{esc(where)}</span></header>",
        f"<h2>{esc(invite.full_name)}</h2>",
        f"<p>{who}</p>",
    ]
    if invite.display_name:
        lines.append(f"<p>Tên hiển thị khi vào lớp học trực tuyến: <b>{esc(invite.display_name)}</b></p>")
    lines.append(f'<div class="code">{esc(invite.code)}</div>')
    steps = []
    link = telegram_link(invite.code, bot_username)
    qr = ""
    if link:
        qr = f'<div class="qr">{qr_svg(link)}</div>'
        steps.append(f"<li><b>Telegram:</b> quét mã QR bên cạnh hoặc mở {esc(link)} rồi bấm "
                     "<i>Bắt đầu</i> (Start).</li>")
    follow = oa_follow_url()
    if follow:
        qr += f'<div class="qr qr-zalo">{qr_svg(follow)}<small>Zalo OA</small></div>'
        steps.append(f"<li><b>Zalo:</b> quét mã QR Zalo OA bên cạnh bằng Zalo, bấm <i>Quan tâm</i> "
                     f"rồi gửi mã {esc(invite.code)}.</li>")
    else:
        steps.append(f"<li><b>Zalo:</b> {esc(zalo_instruction(invite.code, zalo_oa))}.</li>")
    lines.append(f'<div class="ways">{qr}<ol>{"".join(steps)}</ol></div>')
    lines.append(
        f'<p class="note">Mã chỉ dùng một lần, hết hạn ngày {_local_day(invite.expires_at)}. '
        "Không chia sẻ mã cho người khác.</p>"
    )
    lines.append("</article>")
    return "\n".join(lines)


def render_html(
    batch: InviteBatch, *, bot_username: str | None, zalo_oa: str | None, regenerate_hint: str | None = None
) -> str:
    """The printable sheet; ``regenerate_hint`` (HTML) tells how to replace a lost card."""
    role = ROLE_LABELS[batch.role]
    title = f"Mã mời kết nối trợ lý — {batch.school_name} — Lớp {batch.class_name} — {role}"
    expires = _local_day(batch.issued[0].expires_at) if batch.issued else ""
    cards = "\n".join(_card(batch, invite, bot_username, zalo_oa) for invite in batch.issued)
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=html.escape(title),
        count=len(batch.issued),
        expires=expires,
        regenerate_hint=regenerate_hint
        or f"<code>chatbot invites --class {html.escape(batch.class_name)} --regenerate</code>",
        cards=cards,
    )


def _write_private(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to a new file that only its owner can read."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def csv_text(batch: InviteBatch, bot_username: str | None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADERS)
    for invite in batch.issued:
        writer.writerow([
            batch.school_name,
            invite.class_name,
            invite.roll_number or "",
            invite.full_name,
            invite.display_name or "",
            ROLE_LABELS[invite.role],
            invite.code,
            telegram_link(invite.code, bot_username) or "",
            _local_day(invite.expires_at),
        ])
    return buffer.getvalue()


def export_batch(
    batch: InviteBatch,
    out_dir: Path,
    *,
    bot_username: str | None,
    zalo_oa: str | None,
    now: datetime,
) -> tuple[Path, Path]:
    """Write ``<class>-<role>-<timestamp>.csv`` and ``.html`` (never overwriting); return both."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(TIMEZONE).strftime("%Y%m%d-%H%M%S")
    base = f"{batch.class_name.replace('/', '-')}-{batch.role.value}-{stamp}"
    stem, suffix = base, 1
    while (out_dir / f"{stem}.csv").exists() or (out_dir / f"{stem}.html").exists():
        suffix += 1
        stem = f"{base}-{suffix}"
    csv_path, html_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.html"
    _write_private(csv_path, csv_text(batch, bot_username), encoding="utf-8-sig")
    try:
        _write_private(html_path, render_html(batch, bot_username=bot_username, zalo_oa=zalo_oa))
    except BaseException:
        csv_path.unlink(missing_ok=True)
        raise
    return csv_path, html_path
