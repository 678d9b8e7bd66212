"""Train the Rasa model only when its config, domain or data changed (cache by content hash)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from chatbot.settings import PROJECT_ROOT

BOT_DIR = PROJECT_ROOT / "chatbot"
CONFIG = BOT_DIR / "config.yml"
DOMAIN = BOT_DIR / "domain"
DATA = BOT_DIR / "data"
NLU_CODE = BOT_DIR / "nlu"
MODELS_DIR = PROJECT_ROOT / "models"


def _inputs() -> list[Path]:
    files = [CONFIG]
    for folder in (DOMAIN, DATA, NLU_CODE):
        files.extend(sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts))
    return files


def content_hash() -> str:
    """A digest of everything that shapes the model: config, domain, data and custom components."""
    digest = hashlib.sha256()
    for path in _inputs():
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / f"model-{content_hash()}.tar.gz"


def train(models_dir: Path = MODELS_DIR, force: bool = False) -> Path:
    """Return the model for the current inputs, training it first if it does not exist yet."""
    target = model_path(models_dir)
    if target.exists() and not force:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    rasa = Path(sys.executable).with_name("rasa")
    command = [
        str(rasa), "train",
        "--config", str(CONFIG),
        "--domain", str(DOMAIN),
        "--data", str(DATA),
        "--out", str(models_dir),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}
    subprocess.run(command, check=True, cwd=PROJECT_ROOT, env=env)
    for stale in models_dir.glob("model-*.tar.gz"):
        if stale != target:
            stale.unlink()
    return target
