"""A tiny Rasa project for connector tests, trained once and cached by content.

Connector tests check transport, not language understanding, so they run against this
keyword-classifier model instead of the school assistant's NLU.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from chatbot.training import rasa_train_command, train_once

LONG_REPLY = "\n".join(
    f"Dòng {n:03d}: nội dung thông báo dài để kiểm tra việc chia tin." for n in range(120)
)

CONFIG = """\
recipe: default.v1
language: vi
assistant_id: connector_tests
pipeline:
  - name: KeywordIntentClassifier
policies:
  - name: RulePolicy
    core_fallback_threshold: 0.3
    core_fallback_action_name: action_default_fallback
"""

NLU = """\
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - xin chào
      - chào
  - intent: ask_schedule
    examples: |
      - lịch học
  - intent: ask_schedule_for_the_whole_week_including_weekend_and_holiday_sessions
    examples: |
      - lịch cả tuần
  - intent: long_reply
    examples: |
      - trả lời dài
  - intent: link_account
    examples: |
      - mã mời
"""

RULES = """\
version: "3.1"
rules:
  - rule: greet
    steps:
      - intent: greet
      - action: utter_greet
  - rule: schedule
    steps:
      - intent: ask_schedule
      - action: utter_schedule
  - rule: week
    steps:
      - intent: ask_schedule_for_the_whole_week_including_weekend_and_holiday_sessions
      - action: utter_week
  - rule: link
    steps:
      - intent: link_account
      - action: utter_linked
  - rule: long
    steps:
      - intent: long_reply
      - action: utter_long
"""


def domain() -> str:
    long_text = "\n".join(f"        {line}" for line in LONG_REPLY.splitlines())
    return f"""\
version: "3.1"
intents:
  - greet
  - ask_schedule
  - ask_schedule_for_the_whole_week_including_weekend_and_holiday_sessions
  - long_reply
  - link_account
entities:
  - invite_code
slots:
  invite_code:
    type: text
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: invite_code
responses:
  utter_greet:
    - text: "Dạ, xin chào Quý phụ huynh!"
      buttons:
        - title: "Lịch học"
          payload: "/ask_schedule"
        - title: "Lịch cả tuần"
          payload: "/ask_schedule_for_the_whole_week_including_weekend_and_holiday_sessions"
  utter_schedule:
    - text: "Dạ, đây là lịch học."
  utter_week:
    - text: "Dạ, đây là lịch cả tuần."
  utter_linked:
    - text: "Dạ, trợ lý đã nhận mã {{invite_code}}."
  utter_long:
    - text: |
{long_text}
  utter_default:
    - text: "Dạ, trợ lý chưa hiểu câu này."
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
"""


FILES = {"config.yml": CONFIG, "data/nlu.yml": NLU, "data/rules.yml": RULES}


def write_project(folder: Path) -> None:
    for name, content in {**FILES, "domain.yml": domain()}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def content_hash() -> str:
    digest = hashlib.sha256()
    for name, content in sorted({**FILES, "domain.yml": domain()}.items()):
        digest.update(name.encode() + b"\0" + content.encode() + b"\0")
    return digest.hexdigest()[:12]


def train(cache_dir: Path) -> Path:
    """The model for this project, trained into ``cache_dir`` unless it is there already.

    Safe to call from several processes at once: one trains, the others wait and reuse it.
    """
    model = cache_dir / f"connector-model-{content_hash()}.tar.gz"
    project = cache_dir / "project"

    def run_training(scratch: Path) -> None:
        write_project(project)
        subprocess.run(
            rasa_train_command(Path("config.yml"), Path("domain.yml"), Path("data"), scratch, model),
            cwd=project,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
            check=True,
            capture_output=True,
        )

    return train_once(model, run_training)
