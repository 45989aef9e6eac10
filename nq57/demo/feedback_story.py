"""Playing the demo's feedback stories through the service functions, in the order they happened.

A `Case` is one submission and the steps of its life, each a working-day gap after the previous one. The
stories are laid out on the calendar first (open ones end a given number of working days before today, the
finished ones start somewhere since January 2025); then every step of every story is sorted by its time and
played through `nq57.feedback.actions` and `nq57.feedback.evaluation` with `now=` set to that time — so
tracking numbers follow the dates, deadlines are computed by the real rules and calendar, and a group is formed
before its lead is answered. Used by `nq57.demo.feedback_demo`.
"""

import contextlib
import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from nq57.feedback import actions, evaluation
from nq57.feedback.models import CouncilDecision

DAY = datetime.timedelta(days=1)
REVIEW_SCORES = {"high": (4, 5), "mid": (3, 4), "low": (1, 3)}


@dataclass
class Case:
    """One submission of the demo: what is sent, by whom, and the steps it goes through."""

    text: dict
    intake: str  # "BCDTW" or "P20"
    person: dict  # the submitter fields of the form
    owner: object = None  # the account that sent it (the citizen demo login), else anonymous
    consent: bool = False
    confidential: bool = False
    copy: int = 0  # 0 for the first use of a text; later uses vary the wording a little
    path: list = field(default_factory=list)  # [(step, working days after the previous step, options)]
    days: list = field(default_factory=list)
    submission: object = None
    answer: object = None
    contest: object = None
    reviews: dict = field(default_factory=dict)
    answers_given: int = 0

    def step(self, name, gap=0, **options):
        self.path.append((name, gap, options))
        return self

    @property
    def lead(self):
        return self.text["lead"]


class Calendar:
    """Working-day arithmetic around `today` with the platform's calendar (Tết and weekends skipped)."""

    def __init__(self, calendar, today):
        self.calendar, self.today = calendar, today

    def back(self, n, day=None):
        day = day or self.today
        while n > 0:
            day -= DAY
            if self.calendar.is_working_day(day):
                n -= 1
        return day

    def lay_out(self, case, start=None, wait=0):
        """Give each step of `case` its day: from `start`, or ending `wait` working days before today."""
        total = sum(gap for _name, gap, _options in case.path)
        day = start if start is not None else self.back(total + wait)
        case.days = []
        for _name, gap, _options in case.path:
            day = self.calendar.add(day, gap) if gap else day
            case.days.append(day)
        return case


class Player:
    """Runs the steps of many cases in time order through the service functions."""

    def __init__(self, demo):
        self.demo = demo  # the loader: users, organisations, fields, texts, random generator
        self.rng = demo.rng
        self.ceiling = timezone.now() - datetime.timedelta(minutes=2)
        self.queue = []

    # --- times ------------------------------------------------------------------------------------------

    def _moment(self, day, first, previous):
        """A believable time on `day`: people write at any hour, officials work office hours."""
        if first:
            minutes = self.rng.randint(6 * 60, 22 * 60)
        else:
            minutes = self.rng.randint(8 * 60, 16 * 60 + 45)
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time()) +
                                     datetime.timedelta(minutes=minutes))
        if previous is not None and moment <= previous:
            moment = previous + datetime.timedelta(minutes=self.rng.randint(5, 90))
        moment = min(moment, self.ceiling)  # what happens "today" has happened already
        if previous is not None and moment <= previous:
            moment = previous + datetime.timedelta(seconds=30)
        return moment

    def add(self, case):
        previous = None
        for index, ((name, _gap, options), day) in enumerate(zip(case.path, case.days)):
            moment = self._moment(day, index == 0, previous)
            previous = moment
            self.queue.append((moment, len(self.queue), case, name, options))

    def add_group(self, moment, lead, members):
        self.queue.append((moment, len(self.queue), lead, "group", {"members": members}))

    def play(self):
        for moment, _seq, case, name, options in sorted(self.queue, key=lambda item: (item[0], item[1])):
            getattr(self, f"do_{name}")(case, moment, **options)

    # --- the steps --------------------------------------------------------------------------------------

    def do_submit(self, case, now):
        text, demo = case.text, self.demo
        data = {
            "kind": text["kind"], "field": demo.fields[text["field"]], "title": text["title"],
            "content": demo.wording(case), "related_document": demo.related_document(text),
            "consent_publish": case.consent, "confidential": case.confidential, "language": "vi", **case.person,
        }
        case.submission, _key = actions.submit_submission(actor=case.owner, data=data, files=demo.files_for(case),
                                                          intake=demo.org(case.intake), now=now)

    def do_route(self, case, now, lead=None):
        demo = self.demo
        actions.route_submission(actor=demo.triager(case.intake), submission=case.submission,
                                 lead=demo.org(lead or case.lead), now=now)

    def do_return(self, case, now, reason):
        actions.return_misrouted(actor=self.demo.officer(case.submission.lead_agency), submission=case.submission,
                                 reason=reason, now=now)

    def do_accept(self, case, now):
        actions.accept_submission(actor=self.demo.officer(case.submission.lead_agency), submission=case.submission,
                                  now=now)

    def do_note(self, case, now, text):
        actions.add_note(actor=self.demo.officer(case.submission.lead_agency), submission=case.submission,
                         text=text, now=now)

    def do_pause(self, case, now, question):
        actions.pause_submission(actor=self.demo.officer(case.submission.lead_agency), submission=case.submission,
                                 question=question, now=now)

    def do_reply(self, case, now, text):
        actions.reply_with_information(submission=case.submission, text=text, now=now)

    def do_answer(self, case, now, submit=True):
        demo, submission = self.demo, case.submission
        case.answer = actions.save_answer(
            actor=demo.officer(submission.lead_agency), submission=submission,
            text=demo.answer_text(case, submission.lead_agency.code, case.answers_given),
            template=demo.template_for(case, submission.lead_agency.code), submit=submit, now=now)
        if submit:
            case.answers_given += 1

    def do_send_back(self, case, now, comment):
        actions.return_answer(actor=self.demo.head(case.submission.lead_agency), answer=case.answer, comment=comment,
                              now=now)

    def do_approve(self, case, now):
        actions.approve_answer(actor=self.demo.head(case.submission.lead_agency), answer=case.answer, now=now)

    def do_publish(self, case, now):
        actions.publish_submission(actor=self.demo.triager(case.intake), submission=case.submission, now=now)

    def do_pin(self, case, now):
        actions.pin_submission(actor=self.demo.triager(case.intake), submission=case.submission)

    def do_rate(self, case, now, satisfied, comment):
        actions.rate_answer(submission=case.submission, satisfied=satisfied, comment=comment, now=now)

    def do_contest(self, case, now, reason):
        case.contest = actions.contest_answer(submission=case.submission, reason=reason, now=now)

    def do_decide_contest(self, case, now, outcome, note):
        actions.decide_contest(actor=self.demo.triager(case.intake), contest=case.contest, outcome=outcome,
                               note=note, now=now)

    def do_refer(self, case, now):
        actions.refer_submission(actor=self.demo.triager(case.intake), submission=case.submission,
                                 referral=case.text["referral"], now=now)

    def do_close(self, case, now, reason):
        actions.close_submission(actor=self.demo.triager(case.intake), submission=case.submission, reason=reason,
                                 now=now)

    def do_hide(self, case, now, reason):
        actions.hide_submission(actor=self.demo.triager(case.intake), submission=case.submission, reason=reason,
                                now=now)

    def do_group(self, lead, now, members):
        actions.group_submissions(actor=self.demo.triager(lead.intake), lead=lead.submission,
                                  members=[m.submission for m in members], now=now)

    # --- the advisory council ---------------------------------------------------------------------------

    def do_council(self, case, now):
        actions.send_to_council(actor=self.demo.triager(case.intake), submission=case.submission, now=now)

    def do_assign(self, case, now, reviewer):
        case.reviews[reviewer] = evaluation.assign_reviewer(
            actor=self.demo.triager(case.intake), submission=case.submission, reviewer=self.demo.users[reviewer],
            now=now)

    def do_declare(self, case, now, reviewer, conflict=""):
        evaluation.declare_conflict(actor=self.demo.users[reviewer], review=case.reviews[reviewer],
                                    has_conflict=bool(conflict), note=conflict, now=now)

    def do_score(self, case, now, reviewer, level, comment):
        review = case.reviews[reviewer]
        low, high = REVIEW_SCORES[level]
        scores = {c.pk: (min(c.max_score, self.rng.randint(low, high)), "") for c in review.rubric.criteria.all()}
        evaluation.save_scores(actor=self.demo.users[reviewer], review=review, scores=scores, comment=comment,
                               submit=True, now=now)

    def do_decide(self, case, now, recommendation, reasons, task=None):
        demo, options = self.demo, {}
        if recommendation == CouncilDecision.Recommendation.ADOPT and task:
            options = {"plan": demo.plan(task["plan"]), "task_code": task["code"], "task_title": task["title"],
                       "lead": demo.org(task["lead"]), "deadline": demo.task_deadline(task)}
        evaluation.record_decision(actor=demo.triager(case.intake), submission=case.submission,
                                   recommendation=recommendation, reasons=reasons, now=now, **options)


@contextlib.contextmanager
def history_mode():
    """Playing a year of history in seconds: the services' own replay mode (nobody is told about steps taken
    months ago; the calendar and rules are read once; the search index is brought up to date once at the end).
    The deadline job tells today's people afterwards."""
    from nq57.feedback.replay import replaying

    with replaying():
        yield
