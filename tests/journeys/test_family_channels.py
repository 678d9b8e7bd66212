"""Issue 17 over the real channels: a family on Zalo OA and the homeroom teacher on Telegram,
both against the fake APIs (real HTTP servers on 127.0.0.1), with the delivery worker passing
messages between them — and everything still there after the servers restart.

The servers are the school assistant's own (real model, action server), with the project's
credentials.yml and the channel variables aimed at the fakes; quiet hours are off so the
test does not depend on the time of day it runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from chatbot.db.models import Absence, OfficialContact, RelayMessage, RelayThread, ReportedNumber, Role
from chatbot.settings import PROJECT_ROOT
from tests.assistant import Assistant, running_assistant
from tests.connectors.conftest import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    ZALO_APP_ID,
    ZALO_APP_SECRET,
    ZALO_BOT_TOKEN,
    ZALO_OA_SECRET,
    Fakes,
    channel_env,
)
from tests.connectors.payloads import (
    new_chat_id,
    new_zalo_user,
    tg_callback,
    tg_update,
    zalo_event,
    zalo_signed,
    zalo_text,
)
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.fakes.zalo_bot_api import FakeZaloBotAPI

THREAD = re.compile(r"\[Trao đổi số (\d+)\]")
BOT_ID = int(TELEGRAM_TOKEN.split(":")[0])


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    servers = Fakes(
        FakeTelegramAPI(token=TELEGRAM_TOKEN).start(),
        FakeZaloAPI(app_id=ZALO_APP_ID, app_secret=ZALO_APP_SECRET).start(),
        FakeZaloBotAPI(token=ZALO_BOT_TOKEN).start(),
    )
    yield servers
    for server in (servers.telegram, servers.zalo, servers.zalo_bot):
        server.stop()


@dataclass
class Channels:
    assistant: Assistant
    fakes: Fakes
    env: dict[str, str]

    @property
    def rasa(self) -> str:
        return self.assistant.api

    def telegram(self, chat_id: int, text: str | None = None, **fields: Any) -> None:
        update = tg_update(chat_id, text=text, **fields) if text is not None else fields["update"]
        response = httpx.post(
            f"{self.rasa}/webhooks/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            timeout=60,
        )
        assert response.status_code == 200, response.text

    def telegram_button(self, chat_id: int, payload: str) -> None:
        self.telegram(chat_id, update=tg_callback(chat_id, payload))

    def zalo(self, user_id: str, text: str) -> str:
        """Send a Zalo OA text and return the assistant's replies to it."""
        before = len(self.fakes.zalo.sent(user_id))
        body, headers = zalo_signed(zalo_text(user_id, text), ZALO_APP_ID, ZALO_OA_SECRET)
        response = httpx.post(f"{self.rasa}/webhooks/zalo/webhook", content=body, headers=headers, timeout=60)
        assert response.status_code == 200, response.text
        assert self.fakes.zalo.wait_for(lambda: len(self.fakes.zalo.sent(user_id)) > before, timeout=60)
        self.fakes.zalo.wait_for(lambda: False, timeout=0.5)  # the rest of a multi-message reply
        return "\n".join(m.get("text", "") for m in self.fakes.zalo.sent(user_id)[before:])

    def tg_texts(self, chat_id: int) -> list[str]:
        return self.fakes.telegram.sent_texts(chat_id)

    def deliver(self) -> None:
        """Run the delivery worker until the outbox is empty."""
        worker = subprocess.run(
            [sys.executable, "-m", "cli", "worker", "--exit-when-idle"],
            cwd=PROJECT_ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert worker.returncode == 0, worker.stderr[-3000:]


def _env(fakes: Fakes, folder: Path) -> dict[str, str]:
    return {
        **channel_env(fakes),
        "DATABASE_URL": f"sqlite:///{folder / 'school.sqlite3'}",
        "CHATBOT_DATA_DIR": str(folder),
        "QUIET_HOURS_START": "00:00",
        "QUIET_HOURS_END": "00:00",  # off: the test runs at any hour
    }


def test_a_zalo_family_and_a_telegram_teacher_survive_a_restart(
    fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("family-channels")
    env = _env(fakes, folder)
    teacher, parent = new_chat_id(), new_zalo_user()
    with running_assistant(folder, extra_env=env) as assistant:
        school = assistant.school
        talk = Channels(assistant, fakes, env)
        talk.telegram(teacher, assistant.issue(Role.TEACHER, staff_member_id=school.lan))
        assert "Nguyễn Thị Lan" in "\n".join(talk.tg_texts(teacher))
        assert "đã được liên kết" in talk.zalo(
            parent, assistant.issue(Role.PARENT, student_id=school.minh_anh)
        )

        # 1. The family reports an absence on Zalo; the teacher gets it on Telegram.
        shown = talk.zalo(parent, "hôm nay con ốm, xin cho cháu nghỉ")
        assert "con Nguyễn Minh Anh (lớp 6A) nghỉ học" in shown
        assert "đã ghi nhận báo nghỉ" in talk.zalo(parent, "/absence_confirm")
        talk.deliver()
        assert any("📋 Báo nghỉ" in t and "05 - Nguyễn Minh Anh" in t for t in talk.tg_texts(teacher))

        # 2. The family asks the teacher on Zalo; the teacher answers by replying on Telegram.
        assert "nhập lời nhắn" in talk.zalo(parent, "hỏi giáo viên")
        sent = talk.zalo(parent, "Cô ơi con cần nộp bài tập nào ạ?")
        thread_id = int(THREAD.search(sent).group(1))
        talk.deliver()
        relayed = next(t for t in talk.tg_texts(teacher) if f"[Trao đổi số {thread_id}]" in t)
        assert "Cô ơi con cần nộp bài tập nào ạ?" in relayed and parent not in relayed
        keyboard = fakes.telegram.calls("sendMessage")[-1].params.get("reply_markup")
        assert "/relay_reply" in str(keyboard) and "/relay_close" in str(keyboard)
        reply_to = {
            "message_id": 77,
            "date": 0,
            "chat": {"id": teacher, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý"},
            "text": relayed,
        }
        talk.telegram(teacher, "Con nộp bài 3 trang 12 nhé.", reply_to_message=reply_to)
        assert any("đã chuyển lời nhắn tới gia đình" in t for t in talk.tg_texts(teacher))
        before = len(fakes.zalo.sent(parent))
        talk.deliver()
        answers = [m.get("text", "") for m in fakes.zalo.sent(parent)[before:]]
        assert any("Thầy cô Nguyễn Thị Lan" in a and "Con nộp bài 3 trang 12 nhé." in a for a in answers)
        assert not any(str(teacher) in a for a in answers)

    # 3. Both servers restart over the same database: the absence and the thread are still there.
    with running_assistant(folder, extra_env=env, school=school) as assistant:
        talk = Channels(assistant, fakes, env)
        talk.telegram(teacher, "hôm nay lớp mình ai nghỉ")
        assert "05 - Nguyễn Minh Anh" in talk.tg_texts(teacher)[-1]
        talk.telegram_button(teacher, f'/relay_reply{{"relay_thread":"{thread_id}"}}')
        assert "mời thầy cô nhập lời nhắn" in talk.tg_texts(teacher)[-1]
        talk.telegram(teacher, "Cô đã nhận bài, cảm ơn gia đình.")
        talk.telegram_button(teacher, f'/relay_close{{"relay_thread":"{thread_id}"}}')
        assert "đã kết thúc trao đổi" in talk.tg_texts(teacher)[-1]
        before = len(fakes.zalo.sent(parent))
        talk.deliver()
        texts = "\n".join(m.get("text", "") for m in fakes.zalo.sent(parent)[before:])
        assert "Cô đã nhận bài, cảm ơn gia đình." in texts and "kết thúc trao đổi" in texts
        # A photo on Telegram is refused with a reply that says it cannot be passed on.
        talk.telegram(
            teacher,
            None,
            update=tg_update(
                teacher, photo=[{"file_id": "f1", "file_unique_id": "u1", "width": 90, "height": 90}]
            ),
        )
        assert "không chuyển được tới thầy cô" in talk.tg_texts(teacher)[-1]
        with assistant.session() as session:
            authors = (
                session.execute(
                    select(RelayMessage.author)
                    .where(RelayMessage.thread_id == thread_id)
                    .order_by(RelayMessage.id)
                )
                .scalars()
                .all()
            )
            thread = session.get(RelayThread, thread_id)
            absences = session.execute(select(Absence).where(Absence.student_id == school.minh_anh)).all()
        assert authors == ["family", "teacher", "teacher", "teacher"] and thread.status.value == "closed"
        assert len(absences) == 1


def test_a_telegram_family_and_a_zalo_teacher(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("family-channels-2")
    env = _env(fakes, folder)
    parent, teacher = new_chat_id(), new_zalo_user()
    with running_assistant(folder, extra_env=env) as assistant:
        school = assistant.school
        talk = Channels(assistant, fakes, env)
        with assistant.session() as session:
            session.add(
                OfficialContact(
                    school_id=school.school_id,
                    name="Văn phòng nhà trường",
                    role="Văn thư",
                    phone="0203 3111 222",
                )
            )
        talk.telegram(parent, assistant.issue(Role.PARENT, student_id=school.binh))
        assert "Nguyễn Thị Lan" in talk.zalo(
            teacher, assistant.issue(Role.TEACHER, staff_member_id=school.lan)
        )
        # 4. Questions about one's own child, on Telegram.
        talk.telegram(parent, "cô chủ nhiệm lớp con là ai")
        assert "Giáo viên chủ nhiệm: Nguyễn Thị Lan" in "\n".join(talk.tg_texts(parent)[-3:])
        # 3. "Is this the school?": one number on the list, one not; the report offered and filed.
        talk.telegram(parent, "số 0203 3111 222 và 0966 777 888 gọi xưng nhà trường có đúng không")
        checked = "\n".join(talk.tg_texts(parent)[-3:])
        assert (
            "Văn phòng nhà trường — Văn thư" in checked and "0966777888 KHÔNG có trong danh sách" in checked
        )
        assert "mục 3" in checked
        talk.telegram_button(parent, "/affirm")
        assert "đã nhận báo cáo" in talk.tg_texts(parent)[-1]
        # 1. An absence for tomorrow; the Zalo teacher gets it from the worker.
        talk.telegram(parent, "mai cháu nghỉ tiết 2 đi khám")
        talk.telegram_button(parent, "/absence_confirm")
        assert "đã ghi nhận báo nghỉ" in talk.tg_texts(parent)[-1]
        before = len(fakes.zalo.sent(teacher))
        talk.deliver()
        alerts = "\n".join(m.get("text", "") for m in fakes.zalo.sent(teacher)[before:])
        assert "06 - Trần Văn Bình" in alerts and "tiết 2 (Toán)" in alerts
        # 2. The relay: the family writes on Telegram, the teacher answers on Zalo with the button.
        talk.telegram(parent, "hỏi giáo viên")
        talk.telegram(parent, "Khẩn: con bị người lạ nhắn tin trong nhóm lớp")
        thread_id = int(THREAD.search(talk.tg_texts(parent)[-1]).group(1))
        before = len(fakes.zalo.sent(teacher))
        talk.deliver()
        relayed = "\n".join(m.get("text", "") for m in fakes.zalo.sent(teacher)[before:])
        assert "KHẨN" in relayed and "người lạ" in relayed and str(parent) not in relayed
        asked = talk.zalo(teacher, f'/relay_reply{{"relay_thread":"{thread_id}"}}')
        assert "mời thầy cô nhập lời nhắn" in asked
        assert "dài quá" in talk.zalo(teacher, "x" * 1700)
        assert "đã chuyển lời nhắn tới gia đình" in talk.zalo(teacher, "Cô đã xử lý, cảm ơn gia đình.")
        talk.deliver()
        assert any("Cô đã xử lý, cảm ơn gia đình." in t for t in talk.tg_texts(parent))
        # Bad input on Zalo: an attachment and a message over the channel's limit are refused politely.
        body, headers = zalo_signed(
            zalo_event("user_send_image", teacher, message={"msg_id": "img-1"}), ZALO_APP_ID, ZALO_OA_SECRET
        )
        httpx.post(f"{talk.rasa}/webhooks/zalo/webhook", content=body, headers=headers, timeout=60)
        assert fakes.zalo.wait_for(
            lambda: "không chuyển được tới thầy cô" in str(fakes.zalo.sent(teacher)[-1])
        )
        assert "dài quá" in talk.zalo(teacher, "y" * 2500)
        with assistant.session() as session:
            numbers = session.execute(select(ReportedNumber.phone)).scalars().all()
            authors = (
                session.execute(
                    select(RelayMessage.author)
                    .where(RelayMessage.thread_id == thread_id)
                    .order_by(RelayMessage.id)
                )
                .scalars()
                .all()
            )
        assert "0966777888" in numbers and authors == ["family", "teacher"]
