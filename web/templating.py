"""Jinja2 templates of the web app, with the filters pages share."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chatbot.settings import TIMEZONE

TEMPLATES = Path(__file__).resolve().parent / "templates"


def local_time(moment: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    return moment.astimezone(TIMEZONE).strftime(pattern) if moment else ""


def day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def percent(part: float, whole: float | None = None) -> str:
    value = (part / whole if whole else 0.0) if whole is not None else part
    return format_percent(value, "#,##0%", locale="vi")


def number(value: int | float) -> str:
    return format_decimal(value, locale="vi")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(local=local_time, day=day, percent=percent, number=number)
    return env


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
