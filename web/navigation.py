"""The menu each role sees: only the pages it may open."""

from __future__ import annotations

from dataclasses import dataclass

from chatbot.db.models import WebRole

OFFICE, ADMIN, TEACHER = WebRole.OFFICE, WebRole.ADMIN, WebRole.TEACHER


@dataclass(frozen=True)
class MenuItem:
    path: str
    label: str
    current: bool = False


_ITEMS = (
    ("/tong-quan", "Tổng quan", {OFFICE, ADMIN, TEACHER}),
    ("/nhap-du-lieu", "Nhập dữ liệu", {ADMIN}),
    ("/ma-moi", "Mã mời", {ADMIN, TEACHER}),
    ("/thong-bao", "Thông báo", {ADMIN, TEACHER}),
    ("/su-vu", "Sự vụ", {OFFICE, ADMIN, TEACHER}),
    ("/bao-cao", "Báo cáo", {OFFICE, ADMIN}),
    ("/cau-hoi", "Câu hỏi chưa trả lời", {OFFICE, ADMIN}),
    ("/nhat-ky", "Nhật ký", {OFFICE, ADMIN}),
    ("/bao-nghi", "Báo nghỉ", {OFFICE, ADMIN, TEACHER}),
    ("/trao-doi", "Trao đổi", {ADMIN, TEACHER}),
    ("/lien-he", "Liên hệ chính thức", {OFFICE, ADMIN, TEACHER}),
    ("/kenh", "Kênh của trường", {ADMIN}),
)


def allowed_paths(role: WebRole) -> list[str]:
    return [path for path, _, roles in _ITEMS if role in roles]


def menu(role: WebRole, current_path: str) -> list[MenuItem]:
    return [
        MenuItem(path, label, current_path == path or current_path.startswith(path + "/"))
        for path, label, roles in _ITEMS
        if role in roles
    ]
