"""The registry of Zalo templates: which template each kind of notice uses on a paid route.

A row of ``zalo_templates`` maps a kind (:data:`KINDS`) and a route (``zalo_transaction`` or
``zns``) to the template id (a ``transaction_*`` type, or the approved ZNS template's id) and
its parameters, written ``name:source:limit`` and separated by ``;``, e.g.
``school_name:school:60;content:text:400``. A parameter's value comes from its source:

- ``text``: the notice's text; ``school``: the school's name; ``date``: the local date of the
  send (dd/mm/yyyy); ``title``: the kind's title ("Nhắc lịch học", …); ``code`` / ``link``:
  an invite's code and the OA's link (invites only).

A text longer than a template's limit does not fit: :func:`check_fit` names the reason, and a
notice is refused before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.db.models import BroadcastKind, ZaloTemplate, utcnow
from chatbot.delivery.outbound import TemplateMessage
from chatbot.settings import TIMEZONE

KINDS = {
    "class_reminder": "Nhắc lịch học",
    "school_broadcast": "Thông báo của nhà trường",
    "incident_alert": "Cảnh báo sự cố",
    "receipt_request": "Thông báo cần xác nhận",
    "invite": "Mã kết nối trợ lý lớp học",
}
TEMPLATE_ROUTES = ("zalo_transaction", "zns")
SOURCES = ("text", "school", "date", "title", "code", "link")
_PARAM = re.compile(r"^([a-z][a-z0-9_]{0,39}):([a-z]{1,10}):(\d{1,4})$")
_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class TemplateError(ValueError):
    """A template definition or a text that does not fit it; the message says why (Vietnamese)."""


@dataclass(frozen=True)
class Param:
    name: str
    source: str
    limit: int


@dataclass(frozen=True)
class Template:
    kind: str
    route: str
    template_id: str
    params: tuple[Param, ...]
    disabled_reason: str | None = None

    @property
    def spec(self) -> str:
        return ";".join(f"{p.name}:{p.source}:{p.limit}" for p in self.params)


def kind_of(kind: BroadcastKind, ask_receipt: bool = False) -> str:
    """The template kind of a broadcast."""
    if kind is BroadcastKind.REMINDER:
        return "class_reminder"
    if kind is BroadcastKind.ALERT:
        return "incident_alert"
    return "receipt_request" if ask_receipt else "school_broadcast"


def parse_params(spec: str) -> tuple[Param, ...]:
    """``"school_name:school:60;content:text:400"`` → params; raises :class:`TemplateError`."""
    params: list[Param] = []
    for raw in spec.split(";"):
        item = raw.strip()
        if not item:
            continue
        match = _PARAM.match(item)
        if match is None:
            raise TemplateError(f"tham số '{item[:60]}' phải có dạng tên:nguồn:giới_hạn")
        name, source, limit = match.group(1), match.group(2), int(match.group(3))
        if source not in SOURCES:
            raise TemplateError(f"nguồn '{source}' không hợp lệ; dùng một trong: {', '.join(SOURCES)}")
        if limit < 1:
            raise TemplateError(f"giới hạn của tham số {name} phải từ 1 trở lên")
        if any(p.name == name for p in params):
            raise TemplateError(f"tham số {name} bị lặp")
        params.append(Param(name, source, limit))
    if not any(p.source == "text" for p in params) and not any(p.source == "code" for p in params):
        raise TemplateError("mẫu cần một tham số lấy nội dung (nguồn text hoặc code)")
    return tuple(params)


def _template(row: ZaloTemplate) -> Template:
    return Template(row.kind, row.route, row.template_id, parse_params(row.params), row.disabled_reason)


def set_template(session: Session, kind: str, route: str, template_id: str, params: str) -> Template:
    """Add or replace the template of ``kind`` on ``route`` (re-enables a disabled one)."""
    if kind not in KINDS:
        raise TemplateError(f"loại thông báo '{kind}' không có; dùng một trong: {', '.join(KINDS)}")
    if route not in TEMPLATE_ROUTES:
        raise TemplateError(f"tuyến '{route}' không dùng mẫu; dùng {' hoặc '.join(TEMPLATE_ROUTES)}")
    if not _TEMPLATE_ID.match(template_id):
        raise TemplateError("mã mẫu chỉ gồm chữ, số, '_', '-', '.' (tối đa 64 ký tự)")
    if route == "zalo_transaction" and not template_id.startswith("transaction_"):
        raise TemplateError("mẫu tin giao dịch phải là một loại transaction_… của Zalo")
    parsed = parse_params(params)
    row = session.execute(
        select(ZaloTemplate).where(ZaloTemplate.kind == kind, ZaloTemplate.route == route)
    ).scalar_one_or_none()
    if row is None:
        row = ZaloTemplate(kind=kind, route=route)
        session.add(row)
    row.template_id = template_id
    row.params = ";".join(f"{p.name}:{p.source}:{p.limit}" for p in parsed)
    row.disabled_reason = None
    row.updated_at = utcnow()
    session.flush()
    return _template(row)


def remove_template(session: Session, kind: str, route: str) -> bool:
    row = session.execute(
        select(ZaloTemplate).where(ZaloTemplate.kind == kind, ZaloTemplate.route == route)
    ).scalar_one_or_none()
    if row is None:
        return False
    session.delete(row)
    return True


def disable_template(session: Session, kind: str, route: str, reason: str) -> bool:
    """Stop ``kind`` on ``route`` after Zalo refused its template; True if it was enabled."""
    row = session.execute(
        select(ZaloTemplate).where(ZaloTemplate.kind == kind, ZaloTemplate.route == route)
    ).scalar_one_or_none()
    if row is None or row.disabled_reason:
        return False
    row.disabled_reason = reason[:200]
    row.updated_at = utcnow()
    return True


def all_templates(session: Session) -> list[Template]:
    rows = session.execute(select(ZaloTemplate).order_by(ZaloTemplate.kind, ZaloTemplate.route)).scalars()
    return [_template(row) for row in rows]


def templates_by_key(session: Session) -> dict[tuple[str, str], Template]:
    return {(t.kind, t.route): t for t in all_templates(session)}


def usable(templates: Mapping[tuple[str, str], Template], kind: str, route: str) -> Template | None:
    template = templates.get((kind, route))
    return template if template is not None and not template.disabled_reason else None


def values(
    template: Template,
    *,
    text: str,
    school: str = "",
    when: datetime | None = None,
    code: str = "",
    link: str = "",
) -> dict[str, str]:
    """Each source's value for ``template``'s kind."""
    local = (when or utcnow()).astimezone(TIMEZONE)
    return {
        "text": " ".join(text.split()),
        "school": school,
        "date": local.strftime("%d/%m/%Y"),
        "title": KINDS.get(template.kind, ""),
        "code": code,
        "link": link,
    }


def misfit(template: Template, sources: Mapping[str, str]) -> str | None:
    """Why the values do not fit ``template`` (Vietnamese), or None when they fit."""
    for param in template.params:
        value = sources.get(param.source, "")
        if param.source in ("text", "code") and not value:
            return f"tham số {param.name} của mẫu {template.template_id} không được để trống"
        if len(value) > param.limit:
            return (
                f"tham số {param.name} dài {len(value)} ký tự, mẫu {template.template_id} "
                f"({ROUTE_NAMES.get(template.route, template.route)}) chỉ cho phép {param.limit}"
            )
    return None


def render(template: Template, sources: Mapping[str, str]) -> TemplateMessage:
    """The message to send; values are cut to their limits (callers check :func:`misfit` first
    where a cut would lose meaning)."""
    return TemplateMessage(
        template.template_id,
        tuple((p.name, sources.get(p.source, "")[: p.limit]) for p in template.params),
    )


ROUTE_NAMES = {"zalo_transaction": "tin giao dịch Zalo OA", "zns": "ZNS"}


def check_fit(
    templates: Mapping[tuple[str, str], Template], kind: str, routes: set[str], sources: Mapping[str, str]
) -> str | None:
    """Why a notice cannot go by one of ``routes`` it needs (missing, disabled or too small
    template), or None when every needed template takes it."""
    for route in sorted(routes & set(TEMPLATE_ROUTES)):
        template = templates.get((kind, route))
        name = ROUTE_NAMES[route]
        if template is None:
            return f"chưa khai báo mẫu {name} cho loại '{kind}' (chatbot zalo templates set)"
        if template.disabled_reason:
            return f"mẫu {name} của loại '{kind}' đang bị dừng: {template.disabled_reason}"
        reason = misfit(template, sources)
        if reason:
            return reason
    return None
