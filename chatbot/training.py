"""Train the Rasa model only when its config, domain or data changed (cache by content hash).

Several processes may ask for the model at once (parallel test workers, ``chatbot serve`` next
to ``chatbot train``): one trains under a file lock while the others wait, and the model appears
under its final name only once it is complete.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created if missing) against other processes."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def publishing(target: Path) -> Iterator[Path]:
    """A scratch folder next to ``target`` to train into; on success its file named like ``target``
    replaces ``target`` in one step, so readers never see a half-written model."""
    scratch = Path(tempfile.mkdtemp(prefix=".training-", dir=target.parent))
    try:
        yield scratch
        os.replace(scratch / target.name, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def rasa_train_command(config: Path, domain: Path, data: Path, out: Path, target: Path) -> list[str]:
    """``rasa train`` writing ``target``'s file name into the folder ``out``."""
    rasa = Path(sys.executable).with_name("rasa")
    return [
        str(rasa), "train",
        "--config", str(config),
        "--domain", str(domain),
        "--data", str(data),
        "--out", str(out),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]


def train_once(target: Path, run_training: Callable[[Path], object], force: bool = False) -> Path:
    """``target``, made by ``run_training(scratch_folder)`` unless it exists (or ``force``).

    One process trains under a lock next to ``target`` while the others wait and then reuse
    it; ``target`` appears only once complete (:func:`publishing`).
    """
    if target.exists() and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(target.parent / ".train.lock"):
        if target.exists() and not force:
            return target  # another process trained it while this one waited
        with publishing(target) as scratch:
            run_training(scratch)
    return target


def train(models_dir: Path = MODELS_DIR, force: bool = False) -> Path:
    """Return the model for the current inputs, training it first if it does not exist yet."""
    target = model_path(models_dir)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}

    def run_training(scratch: Path) -> None:
        command = rasa_train_command(CONFIG, DOMAIN, DATA, scratch, target)
        subprocess.run(command, check=True, cwd=PROJECT_ROOT, env=env)
        for stale in models_dir.glob("model-*.tar.gz"):
            if stale != target:
                stale.unlink()

    return train_once(target, run_training, force)
