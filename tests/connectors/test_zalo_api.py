"""The one table of Zalo error codes (issue 13): every code maps to retry, fall through or give
up, and the sender turns each into the matching SendResult."""

from __future__ import annotations

import pytest

from connectors import zalo_api
from connectors.zalo_api import OA_ERRORS, ZNS_ERRORS, Decision
from connectors.zalo_sender import is_token_error, result_for

ALL = [(code, False) for code in OA_ERRORS] + [(code, True) for code in ZNS_ERRORS]


@pytest.mark.parametrize(("code", "zns"), ALL)
def test_each_code_becomes_the_send_result_of_its_decision(code: int, zns: bool) -> None:
    rule = zalo_api.rule_for(code, zns=zns)
    result = result_for(code, zns=zns)
    assert not result.ok and not result.permanent  # nothing deactivates an account
    assert str(code) in (result.error or "") and rule.reason in (result.error or "")
    assert result.fall_through is (rule.decision is Decision.FALL_THROUGH)
    assert result.give_up is (rule.decision is Decision.GIVE_UP)
    assert result.template_rejected is rule.template
    assert result.unfollowed is rule.unfollowed
    if rule.decision is Decision.RETRY:
        assert result.retry_after == (rule.wait or rule.recipient_wait)
        assert result.recipient_only is (rule.recipient_wait is not None)
        assert result.paid_stop is rule.paid_stop
    assert is_token_error(code, zns=zns) is rule.refresh_token


@pytest.mark.parametrize(
    ("what", "codes", "zns", "decision"),
    [
        ("out of quota", [-211, -224], False, Decision.RETRY),
        ("ZNS daily quota", [-144], True, Decision.RETRY),
        ("not following", [-213], False, Decision.FALL_THROUGH),
        ("inactive user", [-227], False, Decision.FALL_THROUGH),
        ("inactive ZNS user", [-114, -118, -119], True, Decision.FALL_THROUGH),
        ("user restricted this type", [-244], False, Decision.FALL_THROUGH),
        ("user refused this ZNS", [-139], True, Decision.FALL_THROUGH),
        ("Zalo Cloud Account missing or out of money", [-115, -136, -137], True, Decision.RETRY),
        ("rate limit", [-32], False, Decision.RETRY),
        ("token expired", [-216, -220, -124], False, Decision.RETRY),
        ("template refused", [-109, -112, -117, -131], True, Decision.GIVE_UP),
    ],
)
def test_the_codes_the_issue_names_are_mapped(
    what: str, codes: list[int], zns: bool, decision: Decision
) -> None:
    for code in codes:
        table = ZNS_ERRORS if zns else OA_ERRORS
        assert code in table, what
        assert table[code].decision is decision, what
    if what.startswith("Zalo Cloud"):
        assert all(ZNS_ERRORS[c].paid_stop for c in codes)


def test_an_unknown_code_is_retried() -> None:
    assert zalo_api.rule_for(-99999).decision is Decision.RETRY
    assert result_for(-99999).retry_after is None and not result_for(-99999).fall_through


def test_payload_shapes() -> None:
    assert zalo_api.zns_payload("+84912345678", "248001", {"a": "b"}, "17") == {
        "phone": "84912345678", "template_id": "248001", "template_data": {"a": "b"}, "tracking_id": "17",
    }
    body = zalo_api.transaction_payload("u1", "transaction_event", "Tiêu đề", "Nội dung", [("Lớp", "6A")])
    payload = body["message"]["attachment"]["payload"]
    assert body["recipient"] == {"user_id": "u1"} and payload["template_type"] == "transaction_event"
    assert [e["type"] for e in payload["elements"]] == ["header", "text", "table"]
    assert zalo_api.oa_quota_remaining({"error": 0, "data": {"remain": 5}}) == 5
    assert zalo_api.zns_quota_remaining({"error": 0, "data": {"remainingQuota": "7"}}) == 7
    assert zalo_api.zns_quota_remaining({"error": -124}) is None
