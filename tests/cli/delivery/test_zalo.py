"""``chatbot zalo`` and the route parts of ``chatbot broadcast`` / ``chatbot status`` (issue 13)."""

from __future__ import annotations

from typer.testing import CliRunner

from cli import app
from tests.chatbot.delivery.conftest import Fakes
from tests.chatbot.delivery.test_zalo_routes import TEXT, Spread, drain, send_notice, spread  # noqa: F401

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "220"})
    return result.exit_code, result.output


def test_templates_are_set_listed_and_checked(db: str) -> None:
    code, out = run("zalo", "templates")
    assert code == 0 and "Chưa khai báo mẫu nào" in out
    code, out = run("zalo", "templates", "set", "class_reminder", "zns", "248001",
                    "--params", "school_name:school:60;content:text:400")
    assert code == 0, out
    code, out = run("zalo", "templates")
    assert "248001" in out and "school_name:school:60" in out and "content:text:400" in out, out
    assert "dùng được" in out
    code, out = run("zalo", "templates", "set", "class_reminder", "zns", "248001", "--params", "x:nowhere:5")
    assert code != 0 and "nguồn 'nowhere' không hợp lệ" in out
    code, out = run("zalo", "templates", "set", "report", "zns", "1", "--params", "c:text:5")
    assert code != 0 and "loại thông báo 'report' không có" in out
    code, out = run("zalo", "templates", "remove", "class_reminder", "zns")
    assert code == 0 and "Đã bỏ" in out


def test_preview_shows_routes_and_cost_and_status_lists_the_unreachable(
    fakes: Fakes, spread: Spread  # noqa: F811
) -> None:
    code, out = run("broadcast", "--class", "6A", "--text", TEXT, "--preview")
    assert code == 0, out
    assert "ZNS (số điện thoại)" in out and "300 đ" in out and "Không liên lạc được" in out
    code, out = run("broadcast", "--class", "6A", "--text", "x" * 450, "--preview")
    assert code != 0 and "chỉ cho phép 400" in out

    broadcast_id = send_notice(spread)
    import asyncio

    asyncio.run(drain())
    code, out = run("broadcast", "status", str(broadcast_id))
    assert code == 0, out
    assert "Gia đình chưa nhận được và lý do" in out and "gia đình đã từ chối nhận ZNS" in out
    code, out = run("zalo", "budget")
    assert code == 0 and "đã dùng 600 đ" in out

    code, out = run("zalo", "reach")
    assert code == 0 and "Zalo tin giao dịch" in out and "Toàn trường" in out
    code, out = run("status")
    assert code == 0 and "Liên lạc được với gia đình" in out
