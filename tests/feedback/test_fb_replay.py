"""Replaying history in bulk (the demo loader): nobody is told, and the search index is updated once at the end."""

import pytest
from django.core import mail

from nq57.feedback import actions
from nq57.feedback.replay import active, replaying
from nq57.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_replay_tells_nobody_and_indexes_at_the_end(submit, lan, alice, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), replaying() as replay:
        submission, _key = submit(intake="P20")
        actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"))
        assert submission.pk in replay.to_index  # kept for the end, not indexed step by step
    assert active() is None
    assert mail.outbox == []
    assert not Notification.objects.filter(user=alice).exists()


def test_outside_a_replay_the_submitter_is_told(submit, lan, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission, _key = submit(intake="P20")
        actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"))
    assert any(submission.code in message.subject for message in mail.outbox)
