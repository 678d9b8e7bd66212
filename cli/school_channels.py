"""``chatbot school channels``: each school's own Telegram bot, Zalo OA and Zalo Bot.

Secrets are never taken as command-line arguments (they would stay in the shell history and
the process list): they are typed at a hidden prompt, or read with ``--from-env`` from the
variables a single-school deployment uses (``TELEGRAM_BOT_TOKEN``, ``ZALO_APP_SECRET`` …).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from chatbot.db.engine import session_scope
from chatbot.school import school_channels as store
from chatbot.secretbox import SecretsKeyError, new_key
from chatbot.settings import env
from cli.school import fail

SECRET_FIELDS = {
    "telegram": ("token", "webhook_secret"),
    "zalo": ("app_secret", "oa_secret_key", "access_token", "refresh_token"),
    "zalo_bot": ("token", "webhook_secret"),
}
ENV_NAMES = {
    "telegram": {
        "token": "TELEGRAM_BOT_TOKEN", "webhook_secret": "TELEGRAM_WEBHOOK_SECRET",
        "bot_username": "TELEGRAM_BOT_USERNAME",
    },
    "zalo": {
        "app_id": "ZALO_APP_ID", "app_secret": "ZALO_APP_SECRET", "oa_secret_key": "ZALO_OA_SECRET_KEY",
        "access_token": "ZALO_ACCESS_TOKEN", "refresh_token": "ZALO_REFRESH_TOKEN", "oa_name": "ZALO_OA_NAME",
    },
    "zalo_bot": {"token": "ZALO_BOT_TOKEN", "webhook_secret": "ZALO_BOT_WEBHOOK_SECRET"},
}
ChannelArgument = Annotated[str, typer.Argument(help="telegram, zalo hoặc zalo_bot.")]
SchoolArgument = Annotated[str, typer.Argument(help="Mã trường.")]


def _channel(value: str) -> str:
    channel = value.strip().lower().replace("-", "_")
    if channel not in store.CHANNELS:
        fail(f"kênh {value!r} không có; chọn một trong: {', '.join(store.CHANNELS)}")
    return channel


def _from_env(channel: str) -> dict[str, str]:
    found = {name: env(var) for name, var in ENV_NAMES[channel].items()}
    return {name: value for name, value in found.items() if value}


def _prompted(channel: str, known: dict[str, str], merge: bool) -> dict[str, str]:
    """Ask for the secrets not given (hidden input); an empty answer keeps or skips the value."""
    values: dict[str, str] = {}
    for name in SECRET_FIELDS[channel]:
        if name in known:
            continue
        required = name in store.REQUIRED[channel] and not merge
        hint = "" if required else " (Enter: giữ nguyên / bỏ qua)"
        answer = typer.prompt(f"{name}{hint}", default="" if not required else None, hide_input=True,
                              show_default=False)
        if answer:
            values[name] = answer
    return values


def register_channels(school_app: typer.Typer) -> None:
    channels_app = typer.Typer(help="Kênh riêng của từng trường (bot Telegram, Zalo OA, Zalo Bot).",
                               no_args_is_help=True)

    @channels_app.command("key")
    def key() -> None:
        """In ra một khoá mới cho CHANNEL_SECRETS_KEY (giữ bí mật, ngoài cơ sở dữ liệu)."""
        typer.echo(new_key())

    @channels_app.command("set")
    def set_channel(
        school: SchoolArgument,
        channel: ChannelArgument,
        from_env: Annotated[bool, typer.Option("--from-env", help="Đọc biến môi trường của kênh.")] = False,
        bot_username: Annotated[str | None, typer.Option(help="Tên bot Telegram, ví dụ @hoasen_bot.")] = None,
        app_id: Annotated[str | None, typer.Option(help="App ID của Zalo OA.")] = None,
        oa_name: Annotated[str | None, typer.Option(help="Tên Zalo OA.")] = None,
        api_base_url: Annotated[str | None, typer.Option(help="Địa chỉ API (mặc định của nền tảng).")] = None,
        replace: Annotated[bool, typer.Option("--replace", help="Bỏ các giá trị cũ không nhập lại.")] = False,
    ) -> None:
        """Lưu (mã hoá) thông tin kênh của một trường; khoá bí mật được hỏi ẩn."""
        name = _channel(channel)
        given = {"bot_username": bot_username, "app_id": app_id, "oa_name": oa_name}
        given["api_base_url"] = api_base_url
        values = {k: v for k, v in given.items() if v and k in store.REQUIRED[name] + store.OPTIONAL[name]}
        if from_env:
            values = {**_from_env(name), **values}
        try:
            with session_scope() as session:
                found = store.find_school(session, school)
                if found is None:
                    fail(f"không có trường mã {school} (xem: chatbot school list)")
                exists = any(e.channel == name for e in store.list_channels(session, found))
                if not from_env:
                    values.update(_prompted(name, values, merge=exists and not replace))
                entry = store.set_channel(session, found, name, values, merge=not replace)
        except store.ChannelSettingsError as exc:
            fail(str(exc))
        except SecretsKeyError as exc:
            fail(str(exc))
        typer.echo(f"Đã lưu kênh {store.CHANNEL_LABELS[name]} của {entry.school_name} ({entry.school_code}).")
        if name in ("telegram", "zalo_bot"):
            command = f"chatbot {name.replace('_', '-')} set-webhook"
            typer.echo(f"Đăng ký webhook: {command} https://… --school {entry.school_code}")

    @channels_app.command("list")
    def list_channels(
        school: Annotated[str | None, typer.Option("--school", help="Mã trường.")] = None,
    ) -> None:
        """Liệt kê kênh của các trường (không in khoá bí mật)."""
        with session_scope() as session:
            found = store.find_school(session, school) if school else None
            if school and found is None:
                fail(f"không có trường mã {school}")
            entries = store.list_channels(session, found)
            missing = [] if found else store.schools_without_channels(session)
        table = Table("Mã trường", "Trường", "Kênh", "Tên bot / OA", "Cập nhật")
        for entry in entries:
            table.add_row(entry.school_code, entry.school_name, store.CHANNEL_LABELS[entry.channel],
                          entry.label or "", f"{entry.updated_at:%d/%m/%Y %H:%M}")
        Console().print(table)
        if missing:
            typer.echo(f"Chưa có kênh riêng ({len(missing)} trường): {', '.join(missing)}")

    @channels_app.command("remove")
    def remove(school: SchoolArgument, channel: ChannelArgument) -> None:
        """Xoá kênh của một trường (tin đang chờ gửi qua kênh này sẽ báo lỗi rõ ràng)."""
        name = _channel(channel)
        with session_scope() as session:
            found = store.find_school(session, school)
            if found is None:
                fail(f"không có trường mã {school}")
            removed = store.remove_channel(session, found, name)
        if not removed:
            fail(f"trường {school} không có kênh {store.CHANNEL_LABELS[name]}")
        typer.echo(f"Đã xoá kênh {store.CHANNEL_LABELS[name]} của trường {school.upper()}.")

    @channels_app.command("check")
    def check() -> None:
        """Hỏi Telegram / Zalo Bot xem mã bot của từng trường còn dùng được không."""
        import asyncio

        from connectors.school_bots import check_bot, school_configs
        try:
            configs = school_configs()
        except SecretsKeyError as exc:
            fail(str(exc))

        async def run() -> list[tuple[str, str, str | None]]:
            results = await asyncio.gather(*(check_bot(channel, config) for _, channel, config in configs))
            pairs = zip(configs, results, strict=True)
            return [(school, channel, problem) for (school, channel, _), problem in pairs]

        problems = 0
        for school, channel, problem in asyncio.run(run()):
            problems += problem is not None
            typer.echo(f"{school} · {store.CHANNEL_LABELS[channel]}: {problem or 'dùng được'}")
        if problems:
            typer.echo(f"{problems} kênh có vấn đề; các kênh khác vẫn gửi bình thường.", err=True)
            raise typer.Exit(1)

    school_app.add_typer(channels_app, name="channels")
