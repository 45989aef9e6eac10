"""Receiving a submission: validation keyed by form field, the fingerprint of a confidential initiative, search
text, contact and client keys, and the rate limits per address and per contact."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from nq57.feedback import actions
from nq57.feedback.models import CodeSequence, Submission


def errors_of(submit, **overrides):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        submit(**overrides)
    return caught.value.message_dict


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": ""}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"content": "Ngắn"}, "content"),
    ({"content": "x" * 20_001}, "content"),
    ({"submitter_name": "  "}, "submitter_name"),
    ({"address": ""}, "address"),
    ({"phone": "", "email": ""}, "phone"),
    ({"phone": "12345"}, "phone"),
    ({"phone": "0912 345 67"}, "phone"),
    ({"phone": "+84 012 345 678"}, "phone"),
    ({"email": "không-phải-email"}, "email"),
    ({"citizen_id": "02019001234"}, "citizen_id"),
    ({"citizen_id": "0201900123456"}, "citizen_id"),
    ({"citizen_id": "02019001234a"}, "citizen_id"),
    ({"citizen_id": "099190012345"}, "citizen_id"),  # 099 is no province code
    ({"citizen_id": "000190012345"}, "citizen_id"),
    ({"submitter_kind": "organisation", "submitter_organisation": ""}, "submitter_organisation"),
    ({"kind": "rumour"}, "kind"),
    ({"field": None}, "field"),
    ({"kind": "comment", "confidential": True}, "confidential"),
])
def test_a_submission_is_refused_with_the_error_next_to_its_field(submit, overrides, field):
    assert field in errors_of(submit, **overrides)


def test_all_errors_come_at_once(submit):
    errors = errors_of(submit, title="", address="", phone="", email="")
    assert {"title", "address", "phone"} <= set(errors)


def test_the_confidentiality_message_says_who_may_ask_for_it(submit):
    message = errors_of(submit, kind="recommendation", confidential=True)["confidential"][0]
    assert "initiative or a solution" in message


@pytest.mark.parametrize(("raw", "stored"), [
    ("0912 345 678", "0912345678"),
    ("0912.345.678", "0912345678"),
    ("(024) 3825 123", "0243825123"),
    ("+84 912 345 678", "+84912345678"),
])
def test_phone_numbers_are_accepted_in_common_spellings_and_stored_plainly(submit, raw, stored):
    submission, _ = submit(phone=raw)
    assert submission.phone == stored


def test_a_phone_number_alone_is_enough_and_becomes_the_contact_key(submit):
    submission, _ = submit(email="", phone="+84 912 345 678")
    assert submission.contact_key == "0912345678"


def test_the_contact_key_is_the_folded_e_mail_when_there_is_one(submit):
    submission, _ = submit(email="An.Nguyen@Example.VN")
    assert submission.contact_key == "an.nguyen@example.vn" and submission.email == "an.nguyen@example.vn"


def test_an_organisation_writes_with_its_name(submit):
    submission, _ = submit(submitter_kind="organisation", submitter_organisation="Công ty CP Công nghệ Xứ Lạng")
    assert submission.submitter_organisation == "Công ty CP Công nghệ Xứ Lạng"


def test_a_confidential_initiative_carries_the_fingerprint_of_its_text_and_time(submit, fixed_now):
    submission, _ = submit(kind="solution", confidential=True, consent_publish=True, now=fixed_now)
    # The time enters as ISO 8601 in Vietnam's time, exactly as the receipt shows it.
    expected = hashlib.sha256(
        f"{submission.title}\n{submission.content}\n2026-03-10T16:00:00+07:00".encode()).hexdigest()
    assert submission.fingerprint == expected
    assert submission.consent_publish is False  # never published, so no consent to publish either


def test_an_ordinary_submission_has_no_fingerprint(submit):
    submission, _ = submit()
    assert submission.fingerprint == ""


def test_the_search_text_is_folded(submit):
    submission, _ = submit(title="Đề nghị giảm thủ tục hành chính")
    assert "de nghi giam thu tuc hanh chinh" in submission.search_text


def test_the_client_address_is_kept_only_as_a_salted_hash(submit, settings):
    submission, _ = submit(client_ip="203.0.113.7")
    assert submission.client_hash == hashlib.sha256(f"203.0.113.7{settings.SECRET_KEY}".encode()).hexdigest()
    assert "203.0.113.7" not in str(Submission.objects.filter(pk=submission.pk).values().get())


def test_a_signed_in_submitter_is_remembered(submit, dave):
    submission, _ = submit(actor=dave)
    assert submission.submitted_by == dave


def test_the_default_intake_is_the_central_steering_committee(submit, org):
    submission, _ = submit(intake=None)
    assert submission.intake == org("BCDTW") == submission.holder


def test_a_year_whose_sequence_row_exists_continues_from_it(submit):
    CodeSequence.objects.create(year=2031, last=41)
    submission, _ = submit(now=datetime.datetime(2031, 5, 5, 3, 0, tzinfo=datetime.UTC))
    assert submission.code == "PAKN-2031-000042"


def test_a_refused_submission_uses_no_number(submit, fixed_now):
    first, _ = submit(now=fixed_now)
    with pytest.raises(ValidationError):
        submit(title="", now=fixed_now)
    second, _ = submit(now=fixed_now)
    assert second.number == first.number + 1


# --- rate limits ----------------------------------------------------------------------------------------------


def test_an_address_may_send_five_an_hour(submit, settings):
    settings.FEEDBACK_RATE_PER_HOUR = 5
    now = timezone.now()
    for _ in range(5):
        submit(client_ip="198.51.100.9", now=now)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        submit(client_ip="198.51.100.9", now=now)
    assert "try again in 1 hour" in caught.value.messages[0]
    submit(client_ip="198.51.100.10", now=now)  # another address is not affected
    submit(client_ip="198.51.100.9", now=now + datetime.timedelta(minutes=61))  # an hour later it is accepted


def test_an_address_is_limited_per_day_too(submit, settings):
    settings.FEEDBACK_RATE_PER_HOUR = 100
    settings.FEEDBACK_RATE_PER_DAY = 3
    start = timezone.now()
    for hours in range(3):
        submit(client_ip="198.51.100.9", now=start + datetime.timedelta(hours=hours))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        submit(client_ip="198.51.100.9", now=start + datetime.timedelta(hours=3))
    assert "try again in 21 hours" in caught.value.messages[0]


def test_one_e_mail_address_may_send_three_an_hour_from_any_address(submit):
    now = timezone.now()
    for n in range(3):
        submit(email="cung.mot@example.vn", client_ip=f"198.51.100.{n}", now=now)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        submit(email="CUNG.MOT@example.vn", client_ip="198.51.100.77", now=now)
    assert "e-mail address or phone number" in caught.value.messages[0]


def test_one_phone_number_is_one_contact_however_it_is_written(submit):
    now = timezone.now()
    for n, phone in enumerate(["0912345678", "0912 345 678", "+84912345678"]):
        submit(email="", phone=phone, client_ip=f"198.51.100.{n}", now=now)
    with pytest.raises(ValidationError):
        submit(email="", phone="0912.345.678", client_ip="198.51.100.99", now=now)


def test_the_demo_and_the_benchmark_are_not_rate_limited(submit):
    now = timezone.now()
    for _ in range(12):
        submit(email="demo@example.vn", now=now)  # no client address: not a web request


def test_a_private_key_is_never_stored(submit):
    submission, key = submit()
    row = Submission.objects.filter(pk=submission.pk).values().get()
    assert key not in str(row)
    assert submission.access_key_hash == hashlib.sha256(key.encode()).hexdigest()


@pytest.mark.parametrize("bad", [None, "", "x" * 500, 12])
def test_a_malformed_key_finds_nothing(submit, bad):
    submission, _ = submit()
    assert actions.submission_for_key(submission.code, bad) is None


@pytest.mark.parametrize("code", ["PAKN-2026\x00-000001", "x" * 500, None, 12])
def test_a_malformed_code_finds_nothing(submit, code):
    _submission, key = submit()
    assert actions.submission_for_key(code, key) is None


def test_the_code_of_the_private_link_may_be_typed_in_lower_case(submit):
    submission, key = submit()
    assert actions.submission_for_key(submission.code.lower(), key) == submission
