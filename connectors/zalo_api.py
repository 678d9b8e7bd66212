"""Every shape of Zalo's APIs the project uses: URLs, request payloads, answers, error codes.

Three message routes go through Zalo (docs: developers.zalo.me, "Official Account API" v3 and
"Zalo Notification Service"):

- consultation (``POST /v3.0/oa/message/cs``): free text to a follower, accepted only within
  7 days of the person's last interaction with the OA;
- transaction (``POST /v3.0/oa/message/transaction``): a structured notice (``template_type``
  ``transaction_*``, header, text, a table of key/value rows) to a follower, any time;
- ZNS (``POST {business}/message/template``): an approved template with its parameters sent
  to a phone number (``84…``), charged to the school's Zalo Cloud Account.

The quota endpoints (``POST /v3.0/oa/quota/message``, ``GET {business}/message/quota``) are read
before large sends. :data:`ERRORS` is the one table that says what each error code means for a
delivery: retry, fall through to the next route, or give up.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_ZNS_BASE_URL = "https://business.openapi.zalo.me"

CS_PATH = "/v3.0/oa/message/cs"
TRANSACTION_PATH = "/v3.0/oa/message/transaction"
OA_QUOTA_PATH = "/v3.0/oa/quota/message"
ZNS_PATH = "/message/template"
ZNS_QUOTA_PATH = "/message/quota"

TRANSACTION_TYPES = frozenset({
    "transaction_billing", "transaction_order", "transaction_reward", "transaction_contract",
    "transaction_booking", "transaction_membership", "transaction_event",
    "transaction_transaction", "transaction_account", "transaction_internal",
    "transaction_partnership", "transaction_insurance", "transaction_education",
})
TRANSACTION_HEADER_LIMIT = 100
TRANSACTION_TEXT_LIMIT = 1000
TRANSACTION_ROW_KEY_LIMIT = 25
TRANSACTION_ROW_VALUE_LIMIT = 100
TRANSACTION_MAX_ROWS = 5
ZNS_PARAM_LIMIT = 400  # no ZNS parameter may be longer, whatever its template says


class Decision(str, enum.Enum):
    """What a delivery does after an error."""

    RETRY = "retry"  # the same route later (after ``wait`` when given, else backoff)
    FALL_THROUGH = "fall_through"  # the next route for this recipient, now
    GIVE_UP = "give_up"  # this route and the message fail (a request we built wrongly)


@dataclass(frozen=True)
class ErrorRule:
    """One error code: the decision, its reason, and what else it means.

    - ``wait``: seconds the whole route waits (quota, rate limit) before anything is sent on it;
    - ``recipient_wait``: only this recipient waits;
    - ``refresh_token``: get a new access token and try once more;
    - ``unfollowed``: the person no longer follows the OA (recorded; never a deactivation);
    - ``template``: the template was refused: that kind of notice stops on this route and
      staff are alerted;
    - ``paid_stop``: the Zalo Cloud Account cannot pay: paid routes stop and staff are alerted.
    """

    decision: Decision
    reason: str
    wait: float | None = None
    recipient_wait: float | None = None
    refresh_token: bool = False
    unfollowed: bool = False
    template: bool = False
    paid_stop: bool = False


HOUR = 3600.0
_R, _F, _G = Decision.RETRY, Decision.FALL_THROUGH, Decision.GIVE_UP

# Official Account API (consultation, transaction, quota); codes from Zalo's error table.
OA_ERRORS: dict[int, ErrorRule] = {
    -32: ErrorRule(_R, "rate limit exceeded", wait=60.0),
    -124: ErrorRule(_R, "access token invalid", refresh_token=True),
    -201: ErrorRule(_G, "parameters invalid"),
    -204: ErrorRule(_G, "OA has been deleted"),
    -205: ErrorRule(_G, "OA does not exist"),
    -209: ErrorRule(_G, "API not supported by the OA"),
    -210: ErrorRule(_G, "parameter exceeds its limit"),
    -211: ErrorRule(_R, "OA message quota exceeded", wait=HOUR),
    -212: ErrorRule(_F, "OA has not registered this API"),
    -213: ErrorRule(_F, "user is not following the OA", unfollowed=True),
    -214: ErrorRule(_R, "request being processed", wait=60.0),
    -216: ErrorRule(_R, "access token invalid", refresh_token=True),
    -217: ErrorRule(_F, "user has blocked messages from the OA"),
    -218: ErrorRule(_R, "OA's quota of messages to this user exceeded", recipient_wait=HOUR),
    -220: ErrorRule(_R, "access token expired", refresh_token=True),
    -224: ErrorRule(_R, "OA tier quota for this message type exceeded", wait=HOUR),
    -227: ErrorRule(_F, "user account is banned or inactive"),
    -230: ErrorRule(_F, "outside the 7-day consultation window"),
    -232: ErrorRule(_F, "user has not interacted with the OA recently"),
    -233: ErrorRule(_F, "user cannot receive this message type"),
    -234: ErrorRule(_F, "OA cannot send this message type"),
    -244: ErrorRule(_F, "user has restricted this type of message"),
}

# Zalo Notification Service.
ZNS_ERRORS: dict[int, ErrorRule] = {
    -100: ErrorRule(_R, "unknown ZNS error"),
    -101: ErrorRule(_G, "ZNS application invalid"),
    -102: ErrorRule(_G, "ZNS application does not exist"),
    -103: ErrorRule(_G, "ZNS application not activated"),
    -104: ErrorRule(_G, "ZNS app secret key invalid"),
    -105: ErrorRule(_G, "ZNS application not linked to an OA"),
    -106: ErrorRule(_G, "method not supported"),
    -108: ErrorRule(_F, "phone number invalid"),
    -109: ErrorRule(_G, "ZNS template id invalid", template=True),
    -110: ErrorRule(_F, "recipient's Zalo version does not support ZNS"),
    -111: ErrorRule(_G, "ZNS template data empty", template=True),
    -112: ErrorRule(_G, "ZNS template data invalid", template=True),
    -114: ErrorRule(_F, "user inactive, refused ZNS or cannot receive it"),
    -115: ErrorRule(_R, "Zalo Cloud Account out of money", wait=HOUR, paid_stop=True),
    -117: ErrorRule(_G, "OA or app may not use this ZNS template", template=True),
    -118: ErrorRule(_F, "phone number has no Zalo account"),
    -119: ErrorRule(_F, "account cannot receive ZNS"),
    -124: ErrorRule(_R, "access token invalid", refresh_token=True),
    -131: ErrorRule(_G, "ZNS template not approved", template=True),
    -133: ErrorRule(_R, "ZNS not allowed at night", wait=HOUR),
    -135: ErrorRule(_G, "OA not verified for ZNS"),
    -136: ErrorRule(_R, "no Zalo Cloud Account connected", wait=HOUR, paid_stop=True),
    -137: ErrorRule(_R, "Zalo Cloud Account payment failed", wait=HOUR, paid_stop=True),
    -138: ErrorRule(_G, "app may not send ZNS"),
    -139: ErrorRule(_F, "user refused this type of ZNS"),
    -144: ErrorRule(_R, "OA's daily ZNS quota exceeded", wait=HOUR),
}

UNKNOWN = ErrorRule(_R, "unknown error")


def rule_for(code: int, *, zns: bool = False) -> ErrorRule:
    """The rule of ``code`` (0 is not an error and has none)."""
    table = ZNS_ERRORS if zns else OA_ERRORS
    return table.get(code, UNKNOWN)


# -- requests ------------------------------------------------------------------------------
def cs_payload(user_id: str, message: Mapping[str, Any]) -> dict[str, Any]:
    return {"recipient": {"user_id": user_id}, "message": dict(message)}


def transaction_payload(
    user_id: str,
    template_type: str,
    header: str,
    text: str,
    rows: Sequence[tuple[str, str]] = (),
    buttons: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """A transaction message: a header, a text, a table of key/value rows, query buttons."""
    elements: list[dict[str, Any]] = [
        {"type": "header", "content": header, "align": "left"},
        {"type": "text", "content": text, "align": "left"},
    ]
    if rows:
        elements.append({"type": "table", "content": [{"key": k, "value": v} for k, v in rows]})
    payload: dict[str, Any] = {"template_type": template_type, "language": "VI", "elements": elements}
    if buttons:
        payload["buttons"] = [
            {"title": title, "type": "oa.query.show", "payload": value} for title, value in buttons
        ]
    return {
        "recipient": {"user_id": user_id},
        "message": {"attachment": {"type": "template", "payload": payload}},
    }


def zns_phone(e164: str) -> str:
    """``+84912345678`` → ``84912345678``, the form ZNS takes."""
    return e164[1:] if e164.startswith("+") else e164


def zns_payload(phone: str, template_id: str, data: Mapping[str, str], tracking_id: str) -> dict[str, Any]:
    return {
        "phone": zns_phone(phone),
        "template_id": template_id,
        "template_data": dict(data),
        "tracking_id": tracking_id,
    }


def oa_quota_payload(product_type: str = "transaction") -> dict[str, Any]:
    return {"quota_owner": "OA", "product_type": product_type, "quota_type": "sub_quota"}


# -- answers -------------------------------------------------------------------------------
def error_code(data: object) -> int | None:
    """The ``error`` of an answer (0 on success); None when the answer is not Zalo's shape."""
    if not isinstance(data, dict):
        return None
    try:
        return int(data.get("error", -1))
    except (TypeError, ValueError):
        return None


def _data_int(data: object, field: str) -> int | None:
    """``data.<field>`` of an answer as an integer; None when the answer does not carry it."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        return None
    try:
        return int(data["data"][field])
    except (KeyError, TypeError, ValueError):
        return None


def oa_quota_remaining(data: object) -> int | None:
    """Messages the OA may still send today from a quota answer, if it says."""
    return _data_int(data, "remain")


def zns_quota_remaining(data: object) -> int | None:
    """ZNS messages the OA may still send today (``remainingQuota``), if the answer says."""
    return _data_int(data, "remainingQuota")
