"""Parents' phone numbers: normalised to the international form (``+84…``) and checked against
Vietnamese mobile prefixes, for ZNS. Parsing uses plain string operations (no regex over the
cell), and a cell may hold several numbers separated by ``,`` ``;`` ``/`` or a new line.
"""

from __future__ import annotations

# The two digits after the leading 0 of Vietnamese mobile numbers (10 digits in all).
MOBILE_PREFIXES = frozenset({
    "32", "33", "34", "35", "36", "37", "38", "39",
    "52", "55", "56", "58", "59",
    "70", "76", "77", "78", "79",
    "81", "82", "83", "84", "85", "86", "87", "88", "89",
    "90", "91", "92", "93", "94", "96", "97", "98", "99",
})
SEPARATORS = (",", ";", "/", "\n", "|")
_IGNORED = frozenset(" .-()\t\u00a0")
MAX_CELL = 200


def normalise_phone(raw: str) -> str:
    """``"0912 345 678"``, ``"(+84) 912.345.678"``, ``"84912345678"`` or ``"912345678"`` (a
    spreadsheet that dropped the 0) → ``"+84912345678"``; raises ValueError (Vietnamese)."""
    shown = raw.strip()[:30]
    if len(raw) > 40:
        raise ValueError("số điện thoại quá dài")
    kept = "".join(ch for ch in raw.strip() if ch not in _IGNORED)
    if kept.startswith("+"):
        kept = kept[1:]
        if not kept.startswith("84"):
            raise ValueError(f"“{shown}” không phải số điện thoại Việt Nam (+84)")
    if not kept.isdigit() or not kept.isascii():
        raise ValueError(f"“{shown}” không phải số điện thoại (chỉ gồm chữ số)")
    if kept.startswith("84") and len(kept) == 11:
        national = kept[2:]
    elif kept.startswith("0") and len(kept) == 10:
        national = kept[1:]
    elif len(kept) == 9 and not kept.startswith("0"):
        national = kept
    else:
        raise ValueError(f"“{shown}” không đủ 10 chữ số của số di động")
    if national[:2] not in MOBILE_PREFIXES:
        raise ValueError(f"“{shown}” không phải đầu số di động Việt Nam (0{national[:2]})")
    return "+84" + national


def split_phones(cell: str) -> list[str]:
    """Several numbers in one cell, normalised and without repeats; raises ValueError."""
    if len(cell) > MAX_CELL:
        raise ValueError(f"ô dài quá {MAX_CELL} ký tự")
    parts = [cell]
    for separator in SEPARATORS:
        parts = [piece for part in parts for piece in part.split(separator)]
    found: list[str] = []
    for part in parts:
        if part.strip():
            number = normalise_phone(part)
            if number not in found:
                found.append(number)
    return found


def masked(phone: str) -> str:
    """``+84912345678`` → ``091*****678``: enough for a parent to recognise their number."""
    national = "0" + phone[3:] if phone.startswith("+84") else phone
    return national[:3] + "*" * max(len(national) - 6, 0) + national[-3:]
