"""Charts drawn by the app as SVG: geometry here, markup in ``templates/_charts.html``.

A bar chart has one row per class (or school): the share reached as a bar, the figures as
text, and a link to the names behind it. Widths are in the SVG's own units; the browser
scales the drawing to the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 400
LABEL_WIDTH = 52
VALUE_WIDTH = 112
ROW_HEIGHT = 32
BAR_HEIGHT = 18
GOOD, FAIR = 0.9, 0.6


def tone(share: float) -> str:
    """Colour class of a share: good (≥ 90 %), fair (≥ 60 %) or low."""
    if share >= GOOD:
        return "good"
    return "fair" if share >= FAIR else "low"


@dataclass(frozen=True)
class Bar:
    label: str
    part: int
    whole: int
    href: str | None = None

    @property
    def share(self) -> float:
        return self.part / self.whole if self.whole else 0.0

    @property
    def tone(self) -> str:
        return tone(self.share)

    @property
    def text(self) -> str:
        return f"{self.part}/{self.whole} · {round(self.share * 100)}%"


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per row; ``id`` names the chart for its accessible title."""

    id: str
    title: str
    bars: list[Bar] = field(default_factory=list)

    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    value_width: int = VALUE_WIDTH
    row_height: int = ROW_HEIGHT
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * self.row_height

    @property
    def track(self) -> int:
        """Width available to a full bar."""
        return self.width - self.label_width - self.value_width

    def bar_width(self, bar: Bar) -> float:
        return round(self.track * min(1.0, bar.share), 1)

    def row_y(self, index: int) -> int:
        return index * self.row_height

    @property
    def summary(self) -> str:
        """A text equivalent for screen readers."""
        return "; ".join(f"{b.label}: {b.text}" for b in self.bars)


@dataclass(frozen=True)
class Ring:
    """A share shown as a ring (for the school's totals)."""

    part: int
    whole: int
    radius: int = 30

    @property
    def share(self) -> float:
        return self.part / self.whole if self.whole else 0.0

    @property
    def circumference(self) -> float:
        return round(2 * 3.14159265 * self.radius, 2)

    @property
    def dash(self) -> float:
        return round(self.circumference * min(1.0, self.share), 2)

    @property
    def tone(self) -> str:
        return tone(self.share)
