"""What an import changed (or, in a dry run, would change)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportSummary:
    """Counts and notes of one import; lists hold short human-readable lines."""

    kind: str
    source: str
    rows: int
    dry_run: bool = False
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    new_classes: list[str] = field(default_factory=list)
    removed_items: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # web app accounts made for new staff
    phones_added: int = 0  # parents' phone numbers (class lists with a phone column)
    phones_removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.added or self.updated or self.removed or self.new_classes
            or self.phones_added or self.phones_removed
        )
