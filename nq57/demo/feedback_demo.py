"""The demo's feedback and initiatives: about three hundred submissions in Vietnamese from January 2025 to today
— comments, recommendations, initiatives and solutions of every field, from citizens, businesses, scientists and
experts abroad — at every stage, so each demo login finds a working queue on first start:

- new ones in the standing offices' triage queues (the Central Steering Committee's, triaged by `vanphong`, and
  Lạng Sơn's, by `langson.vanphong`), some returned as misrouted, some overdue;
- routed, being handled, waiting for the submitter and awaiting approval at the Ministry of Science and
  Technology (`bkhcn.canbo`, `bkhcn.lanhdao`), Lạng Sơn's Department of Science and Technology
  (`langson.canbo`, `langson.truong`) and other ministries, several of them overdue (the deadline job then
  escalates them as it would have);
- answered, published (most of the older ones, some in the FAQ), rated, contested (pending or decided);
  referred to the competent body (out of scope) or closed; near-duplicates grouped under one lead;
- initiatives under the advisory council's review (`tuvan` and three more experts), some scored, and decided
  ones — one adopted, which became a task of Lạng Sơn's plan.

Every step goes through `nq57.feedback.actions` and `nq57.feedback.evaluation` with its historical time
(`nq57.demo.feedback_story`), with the notifications of the past silenced. Texts are in `data/feedback.json`
(fictional people, phone numbers 0900 000 xxx, e-mails at example.com). Loaded once, in demo mode only, by
`nq57.demo.loader.load_demo`.
"""

import datetime
import json
import random
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from nq57.accounts.models import User
from nq57.audit.models import AuditEvent
from nq57.core import context as write_context
from nq57.core.workdays import current as current_calendar
from nq57.feedback import actions, evaluation
from nq57.feedback.models import ExpertiseTag, Field, Kind, Submission
from nq57.feedback.tasks import remind_and_escalate
from nq57.orgs.models import Organisation
from nq57.plans.models import Plan

from .feedback_story import Calendar, Case, Player, history_mode
from .history import demo_pdf

DATA_FILE = Path(__file__).resolve().parent / "data" / "feedback.json"
SEED = 57
START = datetime.date(2025, 1, 6)  # the first Monday after Resolution 57 was published
ROOT, PROVINCE = "BCDTW", "P20"
# Who does what in the demo: the standing office of each intake, and the demo logins of the agencies that have
# them (officer, head); other agencies' steps are done by the system (no named person).
TRIAGERS = {ROOT: "vanphong", PROVINCE: "langson.vanphong"}
AGENCY_PEOPLE = {"BKHCN": ("bkhcn.canbo", "bkhcn.lanhdao"), "P20-SKHCN": ("langson.canbo", "langson.truong"),
                 "P20-BCD": ("langson.canbo", "langson.lanhdao"), "P20": ("langson.canbo", "langson.truong")}
CITIZEN = "congdan"
# How many submissions end in each stage: (fate, how many, which agency leads, how many of them are overdue).
# The agency is "BKHCN" or "P20-SKHCN" (the demo logins' queues), "other" (any other), or None (any).
CAST = {
    ROOT: [("published", 118, None, 0), ("answered", 5, None, 2), ("contested", 3, None, 1),
           ("awaiting", 4, "BKHCN", 1), ("awaiting", 3, "other", 1),
           ("in_progress", 8, "BKHCN", 3), ("in_progress", 12, "other", 5),
           ("waiting", 2, "BKHCN", 0), ("waiting", 3, "other", 0),
           ("routed", 4, "BKHCN", 1), ("routed", 6, "other", 2),
           ("returned", 3, None, 0), ("received", 12, None, 3)],
    PROVINCE: [("published", 34, None, 0), ("answered", 2, None, 1), ("contested", 2, None, 1),
               ("awaiting", 3, "P20-SKHCN", 1), ("in_progress", 6, "P20-SKHCN", 2), ("waiting", 2, None, 0),
               ("routed", 3, "P20-SKHCN", 1), ("returned", 1, None, 0), ("received", 5, None, 1)],
}
# Working days between the last step and today: (not overdue, overdue) ranges, by fate.
WAIT = {"received": ((0, 2), (5, 8)), "returned": ((0, 2), (5, 7)), "routed": ((0, 1), (3, 6)),
        "in_progress": ((1, 11), (17, 30)), "waiting": ((1, 9), (1, 9)), "awaiting": ((0, 2), (4, 7)),
        "answered": ((0, 1), (3, 5)), "contested": ((0, 3), (6, 9))}
# Decided contests of published answers: (intake, outcome) — the answer upheld, reopened, or sent one level up.
CONTESTS = [(ROOT, "uphold"), (ROOT, "uphold"), (ROOT, "reopen"), (ROOT, "reopen"), (PROVINCE, "uphold"),
            (PROVINCE, "escalate")]
PINNED = 10  # published answers put in the FAQ
# Near-duplicate families grouped under one lead: (family, intake, the lead's fate, overdue, group size).
FAMILIES = [("dn-khcn", ROOT, "published", False, 5), ("sandbox-fintech", ROOT, "published", False, 4),
            ("thue-rd", ROOT, "in_progress", False, 5), ("khoan-chi", ROOT, "awaiting", False, 4),
            ("dvc-loi", PROVINCE, "in_progress", True, 5), ("visa-chuyen-gia", ROOT, "routed", False, 3)]
# Initiatives under review today: (text, confidential, working days since sent to the council,
# [(reviewer, where their review stands)]); "scored:high" = submitted with high scores.
COUNCIL_OPEN = [
    ("init-3", False, 12, [("tuvan", "assigned"), ("tuvan.dulieu", "scored:high")]),
    ("init-4", False, 20, [("tuvan.bandan", "scored:mid"), ("tuvan", "declared"), ("tuvan.dulieu", "assigned")]),
    ("init-5", False, 36, [("tuvan.nongnghiep", "scored:high"), ("tuvan", "scored:mid")]),
    ("init-6", False, 5, [("tuvan", "assigned"), ("tuvan.bandan", "assigned")]),
    ("init-7", False, 8, [("tuvan.dulieu", "conflict"), ("tuvan", "assigned")]),
    ("init-8", True, 15, [("tuvan", "scored:high"), ("tuvan.nongnghiep", "declared")]),
    ("init-9", False, 10, [("tuvan", "assigned"), ("tuvan.nongnghiep", "scored:mid")]),
    ("init-10", False, 1, []),
]
CONFLICT_NOTE = "Tôi từng làm cố vấn cho doanh nghiệp gửi giải pháp này trong năm 2024."
# Decided by the council and published: (text, recommendation, how the reviewers scored it).
COUNCIL_DECIDED = [("init-1", "adopt", "high"), ("ai-3", "pilot", "mid"), ("init-2", "refer", "mid"),
                   ("nv-2", "reject", "low"), ("qt-3", "pilot", "high")]
COUNCIL_REVIEWERS = ["tuvan", "tuvan.dulieu", "tuvan.bandan", "tuvan.nongnghiep"]
# Out of scope, referred to the competent body: (text, how many times); then the closed ones.
OUT_OF_SCOPE = [("ngoai-1", 2), ("ngoai-2", 2), ("ngoai-3", 2), ("ngoai-4", 1), ("ngoai-5", 2), ("ngoai-6", 1)]
SPAM = ("spam-1", "Nội dung quảng cáo dịch vụ, không phải góp ý, kiến nghị.", "Quảng cáo dịch vụ (spam).")
# Texts kept for their own stories, never drawn for the ordinary ones.
RESERVED = ({key for key, *_rest in COUNCIL_OPEN} | {key for key, *_rest in COUNCIL_DECIDED} |
            {key for key, _n in OUT_OF_SCOPE} | {SPAM[0]})
# What the citizen demo login has sent: (fate, agency).
CITIZEN_CASES = [("published", None), ("in_progress", "BKHCN"), ("waiting", "other"), ("received", None)]
# Where a submission is believably sent by mistake first (the agency returns it as misrouted).
WRONG_AGENCY = {"BKHCN": "BTC", "BTC": "BKHCN", "P20-SKHCN": "P20-BCD", "P20-BCD": "P20-SKHCN"}
GENERIC_MISROUTE = "Nội dung không thuộc chức năng, nhiệm vụ của cơ quan; đề nghị Văn phòng chuyển cơ quan có " \
                   "thẩm quyền."
ATTACHMENT_NAME = "mo-ta-giai-phap.pdf"
SECOND_ANSWER = "Trả lời bổ sung: cơ quan đã rà soát lại nội dung Ông/Bà nêu và làm rõ thêm như sau. "
TIGHTER_ANSWER = " Văn bản hướng dẫn dự kiến được ban hành trong quý tới và sẽ được đăng tải công khai."


def load_feedback_demo(today=None):
    """Create the demo's submissions and their history once (demo mode only); returns how many were created,
    or None when there are submissions already."""
    if not settings.DEMO_MODE:
        raise RuntimeError("The demo dataset is never loaded in production mode")
    if Submission.objects.exists():
        return None
    today = today or timezone.localdate()
    with write_context.using(source=AuditEvent.Source.COMMAND,
                             actor_label=write_context.current().get("actor_label") or "load_demo"):
        return _load(today)


@transaction.atomic
def _load(today):
    demo = FeedbackDemo(json.loads(DATA_FILE.read_text(encoding="utf-8")), today)
    with history_mode():
        demo.prepare()
        player = Player(demo)
        for case in demo.cast():
            player.add(case)
        for moment, lead, members in demo.groups:
            player.add_group(moment, lead, members)
        player.play()
    remind_and_escalate(today)  # the deadline job's run of today: escalations and reminders, as on a live system
    return Submission.objects.count()


class FeedbackDemo:
    """The demo's people, organisations and texts, and the casting of the stories."""

    def __init__(self, data, today):
        self.data, self.today = data, today
        self.rng = random.Random(SEED)
        self.texts = {t["key"]: t for t in data["texts"]}
        self.calendar = Calendar(current_calendar(), today)
        self.fields = {f.code: f for f in Field.objects.all()}
        self.users = {u.username: u for u in User.objects.filter(
            username__in=[*TRIAGERS.values(), *[n for pair in AGENCY_PEOPLE.values() for n in pair], CITIZEN,
                          *COUNCIL_REVIEWERS])}
        self._orgs, self._plans, self.templates = {}, {}, {}
        self.uses, self.people_used = Counter(), Counter()
        self.groups = []
        self.finished = 0  # finished stories laid out so far

    # --- look-ups used while playing ------------------------------------------------------------------------

    def org(self, code):
        if code not in self._orgs:
            self._orgs[code] = Organisation.objects.get(code=code)
        return self._orgs[code]

    def plan(self, number):
        if number not in self._plans:
            self._plans[number] = Plan.objects.get(number=number)
        return self._plans[number]

    def task_deadline(self, task):
        month, year = (int(part) for part in task["deadline"].split("/"))
        return datetime.date(year, month, 28)

    def triager(self, intake):
        return self.users.get(TRIAGERS[intake])

    def officer(self, agency):
        return self.users.get(AGENCY_PEOPLE.get(agency.code, ("", ""))[0]) if agency else None

    def head(self, agency):
        return self.users.get(AGENCY_PEOPLE.get(agency.code, ("", ""))[1]) if agency else None

    def wording(self, case):
        """The content as this submitter wrote it: later uses of a text open and close differently; texts with
        personal data end with the submitter's own contact details (the redaction removes them)."""
        text, person = case.text, case.person
        content = text["content"]
        if case.copy:
            content = self.rng.choice(self.data["openers"][1:]) + content + self.rng.choice(self.data["closers"])
        if text.get("pii"):
            content += " " + self.signature(person)
        return content

    def signature(self, person):
        phone = person["phone"]
        values = {"name": person["submitter_name"], "address": person["address"], "email": person["email"],
                  "phone_spaced": f"{phone[:4]} {phone[4:7]} {phone[7:]}" if phone else "",
                  "street": self.rng.choice(self.data["streets"]),
                  "citizen_id": ("020" if "Lạng Sơn" in person["address"] else "001") + "0990000" +
                                (phone[-2:] if phone else "00")}
        usable = [s for s in self.data["signatures"]
                  if all(values[k] for k in ("email", "phone_spaced") if "{" + k + "}" in s)]
        return self.rng.choice(usable).format(**values)

    def files_for(self, case):
        """A solution arrives with its description as a PDF (the first time its text is used)."""
        if case.copy or case.text["kind"] != Kind.SOLUTION:
            return ()
        lines = [case.text["title"], "Mo ta giai phap - tai lieu minh hoa cua bo du lieu demo NQ57",
                 *[case.text["content"][i:i + 80] for i in range(0, min(len(case.text["content"]), 400), 80)]]
        return [SimpleUploadedFile(ATTACHMENT_NAME, demo_pdf(lines), content_type="application/pdf")]

    def related_document(self, text):
        for number in ("193/2025/QH15", "03/NQ-CP", "57-NQ/TW"):
            if number in text["content"]:
                return ("Nghị quyết " if not number.startswith("57") else "Nghị quyết số ") + number
        return ""

    def answer_text(self, case, agency_code, given):
        intro, closing = self.data["agencies"].get(agency_code) or self._voice(agency_code)
        body = case.text["answer"] or self.data["templates"][-1][3]
        if given and case.contest is not None:
            body = SECOND_ANSWER + body
        elif given:
            body += TIGHTER_ANSWER
        return f"{intro}\n\n{body}\n\n{closing}"

    def _voice(self, code):
        organisation = self.org(code)
        name = organisation.short_name or organisation.name
        return [f"{organisation.name} nhận được ý kiến của Ông/Bà. Về nội dung này, {name} có ý kiến như sau:",
                "Trân trọng cảm ơn Ông/Bà."]

    def template_for(self, case, agency_code):
        candidates = [t for t in self.templates.get(agency_code, [])
                      if t.field_id is None or t.field_id == self.fields[case.text["field"]].pk]
        return self.rng.choice(candidates) if candidates and self.rng.random() < 0.35 else None

    # --- before the stories: experts and answer templates ---------------------------------------------------

    def prepare(self):
        tags = {t.code: t for t in ExpertiseTag.objects.all()}
        for username, (affiliation, codes) in self.data["experts"].items():
            if username in self.users:
                evaluation.save_expert(actor=None, user=self.users[username], affiliation=affiliation,
                                       tags=[tags[c] for c in codes if c in tags])
        for code, title, field, body in self.data["templates"]:
            template = actions.save_answer_template(actor=None, organisation=self.org(code), title=title, body=body,
                                                    field=self.fields.get(field))
            self.templates.setdefault(code, []).append(template)

    # --- who sends what -------------------------------------------------------------------------------------

    def person(self, text, intake):
        """A submitter fitting the text (a business for a business's text…), the least used first."""
        pools = self.data["submitters"]
        who = text["who"]
        pool = pools[who]
        if intake == PROVINCE and who != "langson":
            local = [p for p in pool if "Lạng Sơn" in p[-3 if who == "business" else 1]]
            pool = local or pools["langson"]
        fewest = min(self.people_used[tuple(p)] for p in pool)
        row = self.rng.choice([p for p in pool if self.people_used[tuple(p)] == fewest])
        self.people_used[tuple(row)] += 1
        if who == "business" and len(row) == 5:
            name, organisation, address, phone, email = row
            return {"submitter_kind": "organisation", "submitter_name": name, "submitter_organisation": organisation,
                    "address": address, "phone": phone, "email": email}
        name, address, phone, email = row
        return {"submitter_kind": "individual", "submitter_name": name, "submitter_organisation": "",
                "address": address, "phone": phone, "email": email}

    def citizen_person(self):
        user = self.users[CITIZEN]
        return {"submitter_kind": "individual", "submitter_name": user.full_name or "Nguyễn Văn An",
                "submitter_organisation": "", "address": "Phường Cầu Giấy, Thành phố Hà Nội", "phone": "0900000999",
                "email": user.email}

    def case(self, text, intake, **fields):
        copy = self.uses[text["key"]]
        self.uses[text["key"]] += 1
        person = fields.pop("person", None) or self.person(text, intake)
        consent = person["submitter_kind"] == "organisation" or self.rng.random() < 0.2
        return Case(text=text, intake=intake, person=person, copy=copy, consent=consent, **fields)

    def draw(self, intake, agency):
        """The least used answerable text of `intake` whose lead fits `agency`."""
        def fits(t):
            if not t["lead"] or not t["answer"] or t.get("family") or t["key"] in RESERVED:
                return False
            if (t.get("intake") or ROOT) != intake:
                return False
            if agency == "other":
                return t["lead"] not in ("BKHCN", "P20-SKHCN")
            return agency is None or t["lead"] == agency

        pool = [t for t in self.data["texts"] if fits(t)]
        fewest = min(self.uses[t["key"]] for t in pool)
        return self.rng.choice([t for t in pool if self.uses[t["key"]] == fewest])

    # --- the casting ----------------------------------------------------------------------------------------

    def cast(self):
        cases = []
        contests = {intake: [o for i, o in CONTESTS if i == intake] for intake in (ROOT, PROVINCE)}
        for intake, table in CAST.items():
            for fate, count, agency, overdue in table:
                for number in range(count):
                    case = self.case(self.draw(intake, agency), intake)
                    if fate == "published":
                        outcome = contests[intake].pop() if contests[intake] and number % 9 == 4 else None
                        self.published(case, contest=outcome)
                    else:
                        self.open_fate(case, fate, overdue=number < overdue)
                    cases.append(case)
        self.pin([c for c in cases if c.path[-1][0] in ("publish", "rate")])
        cases += self.families() + self.council() + self.out_of_scope() + self.citizen()
        return cases

    def _start(self):
        """A first day for a finished story: since START (the very first one on that day), more of them
        recently (use grew over time)."""
        self.finished += 1
        if self.finished == 1:
            return START
        span = (self.today - datetime.timedelta(days=40) - START).days
        return START + datetime.timedelta(days=int(span * self.rng.triangular(0, 1, 0.7)))

    def _finish(self, case):
        """Lay out a finished story from a past start, pulled back if it would run into the last few days."""
        self.calendar.lay_out(case, start=self._start())
        overflow = (case.days[-1] - (self.today - datetime.timedelta(days=4))).days
        if overflow > 0:
            self.calendar.lay_out(case, start=case.days[0] - datetime.timedelta(days=overflow))
        return case

    def _route(self, case, misroute_share):
        """Triage: straight to the lead agency, or first to a wrong one that returns it."""
        rng, text = self.rng, case.text
        wrong = text.get("misroute")
        if not wrong and rng.random() < misroute_share:
            wrong = WRONG_AGENCY.get(case.lead)
        if wrong and (text.get("misroute") and rng.random() < 0.6 or not text.get("misroute")):
            reason = self.data["misroute_reasons"].get(wrong, GENERIC_MISROUTE)
            case.step("route", rng.randint(1, 3), lead=wrong).step("return", rng.randint(1, 2), reason=reason)
            case.step("route", rng.randint(1, 2))
        else:
            case.step("route", rng.randint(1, 3))

    def _handle(self, case, late=False):
        """The lead agency: accept, perhaps a note and a question to the submitter, the answer."""
        rng, data = self.rng, self.data
        case.step("accept", rng.randint(0, 2))
        if rng.random() < 0.25:
            case.step("note", rng.randint(1, 3), text=rng.choice(data["notes"]))
        if rng.random() < 0.12:
            case.step("pause", rng.randint(2, 5), question=rng.choice(data["pause_questions"]))
            case.step("reply", rng.randint(1, 6), text=rng.choice(data["replies"]))
        case.step("answer", rng.randint(16, 26) if late else rng.randint(3, 13))
        if rng.random() < 0.1:
            case.step("send_back", rng.randint(1, 2), comment=rng.choice(data["approval_returns"]))
            case.step("answer", rng.randint(1, 4))

    def published(self, case, contest=None, rate=True):
        rng, data = self.rng, self.data
        case.step("submit")
        self._route(case, 0.05)
        self._handle(case, late=rng.random() < 0.18)
        case.step("approve", rng.randint(1, 3)).step("publish", rng.randint(0, 2))
        if contest:
            self._contest(case, contest)
        if rate and rng.random() < 0.6:
            satisfied = rng.random() < 0.75
            comments = data["ratings"]["satisfied" if satisfied else "unsatisfied"]
            case.step("rate", rng.randint(1, 12), satisfied=satisfied, comment=rng.choice(comments))
        return self._finish(case)

    def _contest(self, case, outcome):
        rng, data = self.rng, self.data
        decisions = data["contest_decisions"]
        case.step("contest", rng.randint(2, 10), reason=rng.choice(data["contests"]))
        note = decisions["rejected" if outcome == "uphold" else "reopened" if outcome == "reopen" else "escalated"]
        case.step("decide_contest", rng.randint(1, 3), outcome=outcome, note=note)
        if outcome != "uphold":
            if outcome == "escalate":
                case.step("accept", rng.randint(0, 2))
            case.step("answer", rng.randint(3, 8)).step("approve", rng.randint(1, 2)).step("publish", rng.randint(0, 1))

    def open_fate(self, case, fate, overdue=False):
        """A story that ends today in `fate` (received, routed, in progress…), overdue or not."""
        rng = self.rng
        case.step("submit")
        if fate == "returned":
            wrong = case.text.get("misroute") or WRONG_AGENCY.get(case.lead, "BKHCN")
            reason = self.data["misroute_reasons"].get(wrong, GENERIC_MISROUTE)
            case.step("route", rng.randint(1, 2), lead=wrong).step("return", rng.randint(1, 2), reason=reason)
        elif fate != "received":
            self._route(case, 0.05)
        if fate in ("in_progress", "waiting"):
            case.step("accept", rng.randint(0, 2))
            if rng.random() < 0.3:
                case.step("note", rng.randint(0, 1), text=rng.choice(self.data["notes"]))
            if fate == "waiting":
                case.step("pause", rng.randint(2, 5), question=rng.choice(self.data["pause_questions"]))
            elif rng.random() < 0.3:
                case.step("answer", rng.randint(0, 1), submit=False)  # a draft
        elif fate in ("awaiting", "answered", "contested"):
            self._handle(case)
            if fate != "awaiting":
                case.step("approve", rng.randint(1, 3))
            if fate == "contested":
                case.step("publish", rng.randint(0, 2))
                case.step("contest", rng.randint(2, 10), reason=rng.choice(self.data["contests"]))
        low, high = WAIT[fate][1 if overdue else 0]
        return self.calendar.lay_out(case, wait=rng.randint(low, high))

    def pin(self, cases):
        seen = set()
        for case in self.rng.sample(cases, len(cases)):
            if len(seen) >= PINNED:
                break
            if case.text["key"] not in seen and case.text["kind"] in ("recommendation", "comment"):
                seen.add(case.text["key"])
                index = next(i for i, (name, _g, _o) in enumerate(case.path) if name == "publish")
                case.path.insert(index + 1, ("pin", 0, {}))
                case.days.insert(index + 1, case.days[index])

    # --- groups of near-duplicates ----------------------------------------------------------------------------

    def families(self):
        cases = []
        for family, intake, fate, overdue, size in FAMILIES:
            texts = [t for t in self.data["texts"] if t.get("family") == family]
            lead_text = next((t for t in texts if t.get("misroute")), texts[0])
            others = [t for t in texts if t is not lead_text]
            lead = self.case(lead_text, intake)
            if fate == "published":
                self.published(lead, rate=False)
            else:
                self.open_fate(lead, fate, overdue=overdue)
            members = [self.case(others[i % len(others)], intake) for i in range(size - 1)]
            names = [name for name, _g, _o in lead.path]
            grouped_on = lead.days[names.index("accept")] if "accept" in names else lead.days[-1]
            first = lead.days[0]
            for member in members:
                span = max(0, (grouped_on - first).days - 1)
                member.step("submit")
                self.calendar.lay_out(member, start=first + datetime.timedelta(days=self.rng.randint(0, span)))
                if fate == "published":
                    published_on = lead.days[names.index("publish")]
                    member.path.append(("publish", 0, {}))
                    member.days.append(self.calendar.calendar.add(published_on, self.rng.randint(1, 2)))
            # Late on the day the lead was taken on: after every member of that day was received.
            moment = timezone.make_aware(datetime.datetime.combine(grouped_on, datetime.time(23, 50)))
            self.groups.append((min(moment, timezone.now() - datetime.timedelta(minutes=1)), lead, members))
            cases += [lead, *members]
        return cases

    # --- the advisory council ---------------------------------------------------------------------------------

    def _reviewers(self, case, plan):
        rng, data = self.rng, self.data
        for reviewer, stage in plan:
            if reviewer not in self.users:
                continue
            case.step("assign", rng.randint(0, 1), reviewer=reviewer)
        for reviewer, stage in plan:
            if reviewer not in self.users or stage == "assigned":
                continue
            case.step("declare", rng.randint(1, 3), reviewer=reviewer,
                      conflict=CONFLICT_NOTE if stage == "conflict" else "")
            if stage.startswith("scored"):
                level = stage.split(":")[1]
                case.step("score", rng.randint(1, 4), reviewer=reviewer, level=level,
                          comment=rng.choice(data["review_comments"][level]))

    def council(self):
        cases = []
        for key, confidential, since, plan in COUNCIL_OPEN:
            text = self.texts[key]
            case = self.case(text, text.get("intake") or ROOT, confidential=confidential)
            case.step("submit").step("council", self.rng.randint(1, 3))
            self._reviewers(case, plan)
            spent = sum(gap for _n, gap, _o in case.path[2:])
            cases.append(self.calendar.lay_out(case, wait=max(0, since - spent)))
        for key, recommendation, level in COUNCIL_DECIDED:
            text = self.texts[key]
            case = self.case(text, text.get("intake") or ROOT)
            case.step("submit").step("council", self.rng.randint(1, 3))
            reviewers = self._matching_reviewers(text)
            self._reviewers(case, [(r, f"scored:{level}") for r in reviewers])
            task = self.data["council_task"] if self.data["council_task"]["text"] == key else None
            case.step("decide", self.rng.randint(2, 5), recommendation=recommendation,
                      reasons=self.data["council"][recommendation], task=task)
            case.step("publish", self.rng.randint(1, 2))
            if recommendation in ("adopt", "pilot"):
                case.step("rate", self.rng.randint(1, 5), satisfied=True,
                          comment=self.data["ratings"]["satisfied"][0])
            cases.append(self._finish(case))
        return cases

    def _matching_reviewers(self, text):
        """Up to three experts, those whose tags cover the text's field first."""
        tags = self.data["experts"]
        field = self.fields[text["field"]]
        covering = set(ExpertiseTag.objects.filter(fields=field).values_list("code", flat=True))
        ranked = sorted((r for r in COUNCIL_REVIEWERS if r in self.users),
                        key=lambda r: (-len(covering & set(tags.get(r, ["", []])[1])), r))
        return ranked[:3]

    # --- out of scope, closed, and the citizen demo login ---------------------------------------------------

    def out_of_scope(self):
        cases = []
        for index, (key, times) in enumerate(OUT_OF_SCOPE):
            text = self.texts[key]
            for number in range(times):
                case = self.case(text, text.get("intake") or ROOT)
                case.step("submit").step("refer", self.rng.randint(0, 2))
                if index < 2 and number == 0:  # two recent ones, still in the triage history of this week
                    self.calendar.lay_out(case, wait=self.rng.randint(0, 2))
                else:
                    self._finish(case)
                cases.append(case)
        spam_key, reason, hidden = SPAM
        spam = self.case(self.texts[spam_key], ROOT).step("submit").step("close", 1, reason=reason)
        spam.step("hide", 0, reason=hidden)
        cases.append(self.calendar.lay_out(spam, wait=1))
        for intake, reason in ((ROOT, self.data["close_reasons"][0]), (ROOT, self.data["close_reasons"][2]),
                               (PROVINCE, self.data["close_reasons"][1])):
            case = self.case(self.draw(intake, None), intake).step("submit").step("close", 1, reason=reason)
            cases.append(self._finish(case))
        return cases

    def citizen(self):
        if CITIZEN not in self.users:
            return []
        cases = []
        for fate, agency in CITIZEN_CASES:
            case = self.case(self.draw(ROOT, agency), ROOT, person=self.citizen_person(), owner=self.users[CITIZEN])
            case.consent = False
            if fate == "published":
                self.published(case)
            else:
                self.open_fate(case, fate)
            cases.append(case)
        return cases
