"""``chatbot worker``: queue class reminders and send the delivery outbox until stopped.

SIGTERM or Ctrl-C stops it cleanly: sends in progress finish and are recorded, claims not yet
sent are released. A second signal exits at once (its claims are taken over after the lease).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections import Counter
from collections.abc import Mapping
from typing import Annotated

import typer

from chatbot.db.housekeeping import purge_expired
from chatbot.delivery.outbound import Sender
from chatbot.delivery.periodic import run_periodically
from chatbot.delivery.reminders import keep_reminding, queue_reminders_now
from chatbot.delivery.worker import DeliveryWorker, Outcome, WorkerOptions, sole_sqlite_sender
from chatbot.settings import get_settings
from cli.school import fail
from cli.senders import channel_senders

logger = logging.getLogger("chatbot.worker")
HOUSEKEEPING_SECONDS = 3600.0


def install_stop_signals(stop: asyncio.Event) -> None:
    """First SIGINT/SIGTERM sets ``stop``; a second one exits the process immediately."""
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stop.is_set():
            logger.warning("second signal: exiting now; unfinished claims expire after the lease")
            os._exit(128 + signum)
        logger.info("signal %s: finishing sends in progress, then stopping", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)


async def close_senders(senders: Mapping[str, Sender]) -> None:
    for sender in senders.values():
        try:
            await sender.aclose()
        except Exception:  # noqa: BLE001 - closing must not hide the run's result
            logger.warning("closing the %s sender failed", sender.channel, exc_info=True)


async def serve(
    senders: Mapping[str, Sender],
    options: WorkerOptions,
    *,
    reminders: bool,
    reminder_interval: float,
    exit_when_idle: bool,
    stop: asyncio.Event | None = None,
) -> Counter[Outcome]:
    """Run the reminder scheduler and the delivery worker until stopped (or idle)."""
    stop = stop or asyncio.Event()
    background_stop = asyncio.Event()
    background = [asyncio.create_task(run_periodically(background_stop, HOUSEKEEPING_SECONDS, purge_expired))]
    if reminders:
        await asyncio.to_thread(queue_reminders_now)  # before an idle check can end the run
        background.append(asyncio.create_task(
            keep_reminding(background_stop, reminder_interval, first_delay=reminder_interval)
        ))
    worker = DeliveryWorker(senders, options)
    logger.info("worker %s sending on: %s", worker.worker_id, ", ".join(sorted(senders)))
    try:
        return await worker.run(stop, until="idle" if exit_when_idle else None)
    finally:
        background_stop.set()
        await asyncio.gather(*background)
        await close_senders(senders)


def register(app: typer.Typer) -> None:
    @app.command("worker")
    def worker_command(
        exit_when_idle: Annotated[
            bool, typer.Option("--exit-when-idle", help="Dừng khi không còn tin nào chờ gửi.")
        ] = False,
        reminders: Annotated[
            bool, typer.Option("--reminders/--no-reminders", help="Tự động nhắc giờ học.")
        ] = True,
        reminder_interval: Annotated[
            float, typer.Option(help="Số giây giữa hai lần kiểm tra thời khoá biểu.")
        ] = 30.0,
        batch_size: Annotated[int, typer.Option(help="Số tin nhận về mỗi lượt.")] = 60,
        concurrency: Annotated[int, typer.Option(help="Số tin gửi song song tối đa của mỗi bot.")] = 16,
        lease: Annotated[
            float, typer.Option(help="Số giây sau đó tin của một tiến trình đã dừng được gửi lại.")
        ] = 60.0,
        max_attempts: Annotated[
            int | None,
            typer.Option(
                min=1, help="Số lần thử trước khi bỏ cuộc (mặc định: DELIVERY_MAX_ATTEMPTS, 5)."
            ),
        ] = None,
        redis_url: Annotated[
            str | None,
            typer.Option(
                "--redis-url",
                help="Redis (redis://host:6379/0) để nhiều tiến trình gửi dùng chung giới hạn tốc độ "
                "(mặc định: DELIVERY_REDIS_URL).",
            ),
        ] = None,
    ) -> None:
        """Gửi tin nhắn chờ gửi (thông báo, nhắc giờ học, cảnh báo) cho đến khi dừng (Ctrl-C)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        options = WorkerOptions(
            batch_size=batch_size, concurrency=concurrency, lease_seconds=lease,
            max_attempts=max_attempts or get_settings().delivery_max_attempts,
            redis_url=redis_url or get_settings().delivery_redis_url,
        )
        with sole_sqlite_sender() as sole:
            if not sole:
                fail("một tiến trình gửi khác đang chạy; với SQLite chỉ chạy được một tiến trình")
            senders = channel_senders()
            if not senders:
                fail("chưa cấu hình kênh gửi nào (TELEGRAM_BOT_TOKEN, ZALO_APP_ID…, ZALO_BOT_TOKEN)")

            async def main() -> Counter[Outcome]:
                stop = asyncio.Event()
                install_stop_signals(stop)
                return await serve(
                    senders, options, reminders=reminders, reminder_interval=reminder_interval,
                    exit_when_idle=exit_when_idle, stop=stop,
                )

            stats = asyncio.run(main())
        summary = ", ".join(f"{outcome.value} {count}" for outcome, count in sorted(stats.items()))
        typer.echo(f"Đã dừng. Kết quả: {summary or 'không có tin nào'}.")
