"""A believable, deterministic history for the demo's assignments, from the plan's start to today.

Each assignment gets a fate drawn by where its deadline stands (done on time, done late, awaiting
verification, extended, overdue and silent, cancelled…). `History` plays that fate step by step,
applying each step to the assignment in memory as the matching function of `nq57.plans.actions` would
(status, progress, self-assessment, counters, last report, revised deadline, completion date) and
recording the same timeline rows with historical dates. `flush` writes it all in bulk, recomputes
timeliness and completeness with their one function, and writes one audit row per object created or
changed. Writing through the service functions one step at a time would take minutes, not seconds.
"""

import calendar
import datetime
import hashlib
import random
import unicodedata
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from nq57.audit.models import AuditEvent
from nq57.audit.services import snapshot
from nq57.core import context as write_context
from nq57.orgs.models import COMMUNE_KINDS
from nq57.plans import actions
from nq57.plans.filters import refresh_search_text
from nq57.plans.models import (Assignment, Evidence, ExtensionRequest, ProgressReport, Recommendation, Task,
                               TaskEvent, evidence_path)
from nq57.plans.timeliness import refresh_timeliness, timeliness_pair

from .bulk import historical_dates, insert_many, plain, update_many

SEED = 57
DAY = datetime.timedelta(days=1)
S, R, X = Assignment.Status, ProgressReport.Status, ExtensionRequest.Status
RATINGS = ProgressReport.Rating.values  # green … red
VERB = "demo_history_loaded"

PROGRESS_TEXTS = [
    (0, "Đã phân công đơn vị đầu mối, xây dựng kế hoạch và lộ trình thực hiện."),
    (20, "Đang khảo sát thực trạng, tổng hợp kinh nghiệm trong nước và quốc tế."),
    (40, "Đã có dự thảo lần 1, đang lấy ý kiến các cơ quan, đơn vị liên quan."),
    (60, "Đã tiếp thu ý kiến góp ý, hoàn thiện dự thảo lần 2; tổ chức hội thảo chuyên gia."),
    (75, "Đã gửi thẩm định; đang giải trình, tiếp thu ý kiến thẩm định."),
    (90, "Đang hoàn thiện hồ sơ trình cấp có thẩm quyền ban hành."),
]
COMPLETION_TEXT = "Đã hoàn thành nhiệm vụ; văn bản, sản phẩm gửi kèm báo cáo."
DIFFICULTIES = [
    "Thiếu cán bộ chuyên trách về dữ liệu và chuyển đổi số.",
    "Kinh phí năm 2025 chưa được bố trí kịp thời.",
    "Sắp xếp tổ chức bộ máy làm thay đổi đầu mối thực hiện.",
    "Các cơ quan phối hợp gửi ý kiến chậm so với yêu cầu.",
]
RECOMMENDATIONS = [
    "Đề nghị Bộ Tài chính sớm hướng dẫn cơ chế bố trí kinh phí thực hiện.",
    "Đề nghị Văn phòng Chính phủ đôn đốc các cơ quan phối hợp gửi ý kiến đúng hạn.",
    "Kiến nghị bổ sung biên chế cho đơn vị chuyên trách chuyển đổi số.",
    "Đề nghị ban hành hướng dẫn thống nhất về chia sẻ dữ liệu giữa các bộ, ngành.",
]
ANSWERS = [
    "Văn phòng Chính phủ đã có văn bản đôn đốc các cơ quan liên quan.",
    "Đã chuyển Bộ Tài chính xem xét, trả lời trong tháng.",
    "Đồng ý về nguyên tắc; đề nghị gửi văn bản chính thức kèm phương án cụ thể.",
]
RETURN_COMMENTS = [
    "Đề nghị bổ sung số liệu cụ thể và văn bản kèm theo.",
    "Tỷ lệ tiến độ chưa khớp với nội dung báo cáo, đề nghị rà soát lại.",
    "Đề nghị nêu rõ khó khăn, vướng mắc và đề xuất giải pháp.",
]
EXTENSION_REASONS = [
    "Sắp xếp tổ chức bộ máy làm thay đổi đơn vị chủ trì, cần thêm thời gian bàn giao.",
    "Cần thêm thời gian lấy ý kiến thẩm định và hoàn thiện hồ sơ.",
    "Văn bản luật liên quan đang sửa đổi, cần chờ để bảo đảm đồng bộ.",
]
APPROVAL_NOTE = "Đồng ý gia hạn."
REFUSAL_NOTES = [
    "Thời hạn đã được Thủ tướng giao; đề nghị tập trung nguồn lực hoàn thành.",
    "Lý do chưa thuyết phục; đề nghị báo cáo tiến độ hằng tháng.",
]
COMPLETION_RETURN_REASONS = [
    "Sản phẩm mới là dự thảo, chưa được cấp có thẩm quyền ban hành.",
    "Chưa gửi kèm văn bản ban hành chính thức làm minh chứng.",
]
CANCEL_REASONS = [
    "Nhiệm vụ được lồng ghép vào nhiệm vụ khác sau khi sắp xếp tổ chức bộ máy.",
    "Tạm dừng theo chỉ đạo của Thủ tướng Chính phủ để rà soát lại phạm vi.",
]

# What may happen to an assignment, by where its deadline stands; weights in per cent.
FATES = {
    "none": [("working", 80), ("silent", 14), ("pending_verification", 2), ("cancelled", 4)],
    "past": [("done_on_time", 34), ("done_late", 16), ("pending_verification", 6), ("working", 13), ("silent", 8),
             ("extended_done", 6), ("extended_working", 4), ("refused", 4), ("completion_returned", 4),
             ("cancelled", 2), ("pending_extension", 3)],
    "near": [("working", 45), ("done_on_time", 25), ("pending_extension", 10), ("pending_verification", 8),
             ("silent", 12)],
    "future": [("working", 72), ("done_on_time", 6), ("silent", 12), ("pending_extension", 4),
               ("pending_verification", 3), ("cancelled", 3)],
}
# The state of an open assignment's latest report: most are approved, some wait, a few came back.
LATEST_REPORT = [("approved", 85), ("submitted", 8), ("returned", 4), ("draft", 3)]
EXTENSION_FATES = ("extended_done", "extended_working", "due_soon", "refused")


def last_day(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_ends(start, end, months=3):
    """Ends of the reporting periods of `months` months (3: quarters, 6: halves, 12: years) after `start`,
    up to `end`."""
    year, month = start.year, ((start.month - 1) // months + 1) * months
    days = []
    while True:
        day = last_day(year, month)
        if day > end:
            return days
        if day > start:
            days.append(day)
        month += months
        if month > 12:
            year, month = year + 1, month - 12


def fits(fate, deadline, today, start):
    """Can `fate` happen, by `today`, to an assignment whose clock started on `start` with this deadline?"""
    if fate in ("working", "silent", "cancelled", "pending_verification"):
        return True
    if deadline is None:
        return False
    if fate in EXTENSION_FATES and deadline < start + 45 * DAY:
        return False  # the request would predate the plan
    return {
        "working_past": deadline < today,
        "done_on_time": deadline > start + 7 * DAY,
        "done_late": deadline + 15 * DAY <= today - 25 * DAY,
        "extended_done": deadline + 30 * DAY <= today - 60 * DAY,
        "extended_working": deadline < today + 60 * DAY,
        "due_soon": deadline < today + 10 * DAY,
        "refused": deadline < today - 60 * DAY,
        "pending_extension": True,
        "completion_returned": deadline > start + 60 * DAY and start + 150 * DAY < today,
    }[fate]


def ascii_text(text):
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if ord(ch) < 128)


def demo_pdf(lines):
    """A small, valid one-page PDF showing `lines` (diacritics dropped: the standard fonts are Latin-1)."""
    shown = " ".join("(%s) '" % ascii_text(line).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                     for line in lines)
    stream = f"BT /F1 12 Tf 16 TL 60 780 Td {shown} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@dataclass
class Track:
    """One assignment being written: who reports on it, when its clock starts, its deadline, how often it reports."""

    assignment: Assignment
    author: object
    approver: object
    start: datetime.date
    deadline: datetime.date | None
    months: int


class History:
    """The history of many assignments, collected in memory and written in bulk by `flush`.

    reporters: {organisation path: (author, approver)} — the demo users who write and approve the reports
    of that subtree (elsewhere reports have no named author); decider: who acts for the assigning body.
    """

    def __init__(self, *, today, reporters, decider):
        self.today, self.decider = today, decider
        self.reporters = dict(sorted(reporters.items(), key=lambda item: -len(item[0])))  # deepest first
        self.rng = random.Random(SEED)
        self.zone, self.now = timezone.get_current_timezone(), timezone.now()
        self.reports, self.evidence, self.extensions, self.recommendations, self.events = [], [], [], [], []
        self.answers = []  # (recommendation, answered at, closed at or None)
        self.changed = {}  # assignment pk → (assignment, snapshot before)
        self.evidence_rows = []

    # -- who and when

    def people(self, organisation):
        return next((pair for path, pair in self.reporters.items() if organisation.path.startswith(path)),
                    (None, None))

    def moment(self, day):
        """A working-hours moment of `day`, never in the future."""
        at = datetime.datetime.combine(day, datetime.time(self.rng.randint(8, 16), self.rng.randint(0, 59)),
                                       tzinfo=self.zone)
        return min(at, self.now)

    def days(self, low, high):
        return self.rng.randint(low, high) * DAY

    def _event(self, assignment, at, actor, kind, **data):
        self.events.append((assignment, at, actor, kind, data))

    def _touch(self, assignment):
        if assignment.pk not in self.changed:
            self.changed[assignment.pk] = (assignment, snapshot(assignment))

    # -- the steps, each applied as its service function in nq57.plans.actions would apply it

    def report(self, track, *, period_end, submitted_on, progress, rating, state="approved", completion=False,
               with_file=False, recommendation="", returned_first=False, difficulties="", reviewed_on=None):
        """A report written, submitted on `submitted_on`, then approved, returned or left waiting (or a draft)."""
        a = track.assignment
        text = COMPLETION_TEXT if completion else next(t for level, t in reversed(PROGRESS_TEXTS)
                                                      if progress >= level)
        written = self.moment(submitted_on if state == "draft" else submitted_on - self.days(1, 3))
        report = ProgressReport(assignment=a, period_end=period_end, text=text, progress=progress, self_rating=rating,
                                difficulties=difficulties, recommendations=recommendation,
                                reports_completion=completion, status=R.DRAFT, author=track.author,
                                created_at=written)
        self.reports.append(report)
        files = 1 if (completion or with_file) else 0
        if files:  # submit_progress_report refuses a completion report without the product attached
            self.evidence.append((report, written, "bao-cao-san-pham.pdf" if completion else "minh-chung.pdf"))
        if state == "draft":
            return report
        report.submitted_at = self.moment(submitted_on)
        reviewed_on = reviewed_on or min(submitted_on + self.days(1, 6), self.today)
        submitted = dict(report=report, period_end=period_end, progress=progress, self_rating=rating,
                         completion=completion, evidence=files)
        if returned_first and state == "approved" and submitted_on >= period_end + 5 * DAY:
            first = self.moment(period_end + DAY)  # sent back once, then corrected and submitted again
            report.review_comment = self.rng.choice(RETURN_COMMENTS)
            self._event(a, first, track.author, "report_submitted", **submitted)
            self._event(a, first + DAY, track.approver, "report_returned", report=report,
                        comment=report.review_comment)
        self._event(a, report.submitted_at, track.author, "report_submitted", **submitted)
        if state == "submitted":
            report.status = R.SUBMITTED
            return report
        report.reviewed_by, report.reviewed_at = track.approver, max(self.moment(reviewed_on), report.submitted_at)
        if state == "returned":
            report.status, report.review_comment = R.RETURNED, self.rng.choice(RETURN_COMMENTS)
            self._event(a, report.reviewed_at, track.approver, "report_returned", report=report,
                        comment=report.review_comment)
            return report
        self._approve(track, report, submitted_on, reviewed_on)
        return report

    def _approve(self, track, report, submitted_on, reviewed_on):
        """approve_progress_report: the report becomes the assignment's latest progress."""
        a = track.assignment
        self._touch(a)
        report.status = R.APPROVED
        report.on_time = submitted_on <= report.period_end + a.task.plan.reporting_grace_days * DAY
        a.progress, a.self_rating = report.progress, report.self_rating
        a.last_report_on = max(d for d in (a.last_report_on, submitted_on) if d)
        a.reports_received += 1
        a.reports_on_time += 1 if report.on_time else 0
        if report.reports_completion:
            a.status, a.progress = S.PENDING_VERIFICATION, 100
        elif a.status == S.NOT_STARTED:
            a.status = S.IN_PROGRESS
        if report.recommendations:
            item = Recommendation(report=report, assignment=a, text=report.recommendations,
                                  created_at=report.reviewed_at)
            self.recommendations.append(item)
            answered_on = reviewed_on + self.days(5, 40)
            if answered_on < self.today and self.rng.random() < 0.7:
                closed_on = answered_on + self.days(10, 60)
                closed = closed_on < self.today and self.rng.random() < 0.4
                self.answers.append((item, self.moment(answered_on), self.moment(closed_on) if closed else None))
        self._event(a, report.reviewed_at, track.approver, "report_approved", report=report,
                    period_end=report.period_end, progress=report.progress, on_time=report.on_time)
        if report.reports_completion:
            self._event(a, report.reviewed_at, track.approver, "completion_reported", report=report)

    def verify(self, track, on, completed_on):
        """verify_completion: completed, dated from the completion report's submission."""
        a = track.assignment
        self._touch(a)
        a.status, a.completed_on, a.progress, a.status_reason = S.COMPLETED, completed_on, 100, ""
        current, original = timeliness_pair(status=S.COMPLETED, progress=100, start=track.start,
                                            original_deadline=a.original_deadline, revised_deadline=a.revised_deadline,
                                            completed_on=completed_on, last_report_on=a.last_report_on, today=on)
        self._event(a, self.moment(on), self.decider, "completion_verified", completed_on=completed_on,
                    timeliness=current, timeliness_original=original)

    def return_completion(self, track, on, reason):
        a = track.assignment
        self._touch(a)
        a.status, a.status_reason = S.IN_PROGRESS, reason
        self._event(a, self.moment(on), self.decider, "completion_returned", reason=reason)

    def extension(self, track, *, on, requested, decision=None, decided_on=None):
        """request_extension, then decide_extension when `decision` is given (the original deadline is kept)."""
        a = track.assignment
        current = a.effective_deadline
        request = ExtensionRequest(assignment=a, requested_deadline=requested, requested_by=track.author,
                                   reason=self.rng.choice(EXTENSION_REASONS), requested_at=self.moment(on))
        self.extensions.append(request)
        self._event(a, request.requested_at, track.author, "extension_requested", request=request,
                    current_deadline=current, requested_deadline=requested, reason=request.reason)
        if decision is None:
            return
        note = APPROVAL_NOTE if decision == X.APPROVED else self.rng.choice(REFUSAL_NOTES)
        request.status, request.decided_by = decision, self.decider
        request.decided_at, request.decision_note = max(self.moment(decided_on), request.requested_at), note
        if decision == X.APPROVED:
            self._touch(a)
            a.revised_deadline = requested
            self._event(a, request.decided_at, self.decider, "extension_approved", request=request,
                        original_deadline=a.original_deadline, revised_deadline=requested, note=note)
        else:
            self._event(a, request.decided_at, self.decider, "extension_refused", request=request,
                        requested_deadline=requested, note=note)

    def cancel(self, track, on, reason):
        a = track.assignment
        self._touch(a)
        before, a.status, a.status_reason = a.status, S.CANCELLED, reason
        self._event(a, self.moment(on), self.decider, "status_changed", before=before, after=S.CANCELLED,
                    reason=reason)

    # -- stories

    def progress_on(self, track, day, pace):
        """Progress on `day` for an agency working at `pace` times the straight line to its deadline; past
        the deadline, unfinished work creeps on by about a point a month."""
        if track.deadline is None or track.deadline <= track.start:
            return min(90, 10 + (day - track.start).days // 12)
        share = min(1.0, (day - track.start).days / (track.deadline - track.start).days)
        late_months = max(0, (day - track.deadline).days) // 30
        return max(5, min(90 if late_months else 95, round(100 * share * pace) + late_months))

    def rating_for(self, track, day, progress):
        """The agency's self-assessment: how far behind the straight line it is, sometimes optimistic."""
        if track.deadline is None:
            behind = 0 if self.rng.random() < 0.7 else 20
        else:
            behind = (100 if day > track.deadline else self.progress_on(track, day, 1.0)) - progress
        level = 0 if behind < 5 else 1 if behind < 15 else 2 if behind < 30 else 3 if behind < 45 else 4
        if level >= 2 and self.rng.random() < 0.25:
            level -= 2  # an optimistic self-assessment: the pages show its gap with the computed timeliness
        return RATINGS[level]

    def chain(self, track, until, pace, last_state="approved"):
        """Periodic reports before `until` (a completion, or today), some periods skipped; the latest may be
        left waiting for approval, returned, or still a draft."""
        written = []
        for end in period_ends(track.start, until, track.months):
            if self.rng.random() < 0.12:
                continue  # a period the agency did not report on
            submitted_on = end + (self.days(1, 5) if self.rng.random() < 0.8 else self.days(6, 30))
            if submitted_on < until:
                written.append((end, submitted_on))
        for index, (end, submitted_on) in enumerate(written):
            progress = self.progress_on(track, end, pace)
            state = last_state if index == len(written) - 1 else "approved"
            if state in ("submitted", "returned"):
                if (self.today - end).days > 120:
                    state = "approved"  # an old period: it was dealt with long ago
                else:
                    submitted_on = self.today - self.days(2, 20)  # the current report, waiting since
            elif state == "draft":
                end, submitted_on = period_ends(self.today, self.today + 400 * DAY, track.months)[0], self.today
            self.report(track, period_end=end, submitted_on=submitted_on, progress=progress,
                        rating=self.rating_for(track, end, progress), state=state,
                        with_file=self.rng.random() < 0.03, returned_first=self.rng.random() < 0.04,
                        difficulties=self.rng.choice(DIFFICULTIES) if self.rng.random() < 0.3 else "",
                        recommendation=self.rng.choice(RECOMMENDATIONS) if self.rng.random() < 0.05 else "")

    def complete(self, track, on, *, verify=True, pace=1.0):
        """Reports up to `on`, a completion report with the product on `on`, approved, then (maybe) verified."""
        self.chain(track, on, pace)
        approved_on = min(on + self.days(1, 4), self.today)
        self.report(track, period_end=on, submitted_on=on, progress=100, rating="green", completion=True,
                    reviewed_on=approved_on)
        if verify:
            self.verify(track, max(approved_on, min(approved_on + self.days(2, 15), self.today - DAY)), on)
        return approved_on

    def tell(self, track, fate, last_state="approved"):
        """Write what `fate` says happens to the assignment of `track` (see `fits` for where each applies)."""
        today, deadline, rng = self.today, track.deadline, self.rng
        on_track, behind = rng.uniform(0.95, 1.15), rng.uniform(0.45, 0.7)
        if fate == "silent":
            return
        if fate in ("working", "working_past"):
            late = deadline is not None and deadline < today
            self.chain(track, today, behind if late or rng.random() < 0.35 else on_track, last_state)
        elif fate == "done_on_time":
            latest = min(deadline, today - 25 * DAY)
            earliest = track.start + min(60, (deadline - track.start).days // 2) * DAY
            self.complete(track, max(earliest, latest - self.days(0, 90)))
        elif fate == "done_late":
            self.complete(track, min(deadline + self.days(15, 200), today - 25 * DAY), pace=0.8)
        elif fate == "pending_verification":
            self.complete(track, today - self.days(5, 30), verify=False)
        elif fate in EXTENSION_FATES:
            asked = min(deadline - self.days(10, 40), today - 20 * DAY)
            if fate == "due_soon":
                asked, requested = today - 40 * DAY, today + 10 * DAY
            elif fate == "extended_working":
                requested = max(deadline, today) + self.days(40, 200)
            else:
                requested = deadline + self.days(90, 270)
            decision = X.REFUSED if fate == "refused" else X.APPROVED
            self.extension(track, on=asked, requested=requested, decision=decision,
                           decided_on=min(asked + self.days(5, 15), today - DAY))
            if fate == "extended_done" and requested < today - 25 * DAY:
                self.complete(track, requested - self.days(0, 60), pace=0.8)
            elif fate == "refused" and rng.random() < 0.5:
                self.complete(track, min(deadline + self.days(30, 200), today - 25 * DAY), pace=0.7)
            else:
                self.chain(track, today, behind if fate == "refused" else on_track, last_state)
        elif fate == "pending_extension":
            self.chain(track, today - 25 * DAY, behind)
            self.extension(track, on=today - self.days(2, 20), requested=max(deadline, today) + self.days(60, 180))
        elif fate == "completion_returned":
            reported = min(deadline, today - 90 * DAY) - self.days(0, 30)
            approved_on = self.complete(track, reported, verify=False)
            self.return_completion(track, approved_on + self.days(5, 20), rng.choice(COMPLETION_RETURN_REASONS))
        elif fate == "cancelled":
            stopped = min(track.start + self.days(90, 400), today - 10 * DAY)
            self.chain(track, stopped, behind)
            self.cancel(track, stopped, rng.choice(CANCEL_REASONS))

    def draw(self, deadline):
        today = self.today
        period = ("none" if deadline is None else "past" if deadline < today - 30 * DAY
                  else "near" if deadline <= today + 60 * DAY else "future")
        fates, weights = zip(*FATES[period])
        return self.rng.choices(fates, weights)[0]

    def track(self, assignment, start=None):
        author, approver = self.people(assignment.organisation)
        task = assignment.task
        start = start or assignment.start_date or task.deadline_start or task.plan.issued_on
        return Track(assignment, author, approver, start, assignment.effective_deadline,
                     self.period_months(assignment, author))

    @staticmethod
    def period_months(assignment, author):
        """How often an agency actually reports: the demo agencies each quarter, communes each half-year,
        other lead agencies each quarter, half-year or year by their own diligence, coordinating agencies
        once a year. The scorecard's reporting rates differ accordingly."""
        if assignment.role != Assignment.Role.LEAD:
            return 12
        if assignment.organisation.kind in COMMUNE_KINDS:
            return 6
        if author is not None:
            return 3
        draw = random.Random(f"{SEED}:{assignment.organisation.code}").random()
        return 3 if draw < 0.45 else 6 if draw < 0.8 else 12

    def write_plan(self, plan, *, stories=None, wishes=()):
        """The history of every top-level assignment of `plan`.

        stories: {task code: fate} fixes the fate of a task's assignments ("mixed": drawn); wishes: (agency
        code, fate, latest report state) forced on that agency's first lead assignments where the fate fits.
        """
        stories = stories or {}
        assignments = list(Assignment.objects.filter(task__plan=plan, parent__isnull=True)
                           .select_related("task__plan", "organisation")
                           .order_by("task__sort_order", "role", "organisation__path"))
        parents = set(Assignment.objects.filter(task__plan=plan, parent__isnull=False)
                      .values_list("parent_id", flat=True))
        tracks = {a.pk: self.track(a) for a in assignments}
        forced = {}
        for code, fate, state in wishes:
            chosen = next((t for t in tracks.values() if t.assignment.organisation.code == code
                           and t.assignment.role == Assignment.Role.LEAD and t.assignment.pk not in forced
                           and t.assignment.pk not in parents and fits(fate, t.deadline, self.today, t.start)), None)
            if chosen is not None:
                forced[chosen.assignment.pk] = (fate, state)
        for a in assignments:
            track = tracks[a.pk]
            fate, state = forced.get(a.pk, (None, None))
            if fate is None:
                fate = stories.get(a.task.code, "mixed")
                if fate == "mixed":
                    fate = self.draw(track.deadline)
                state = self.rng.choices(*zip(*LATEST_REPORT))[0]
                if a.pk in parents or not fits(fate, track.deadline, self.today, track.start):
                    fate = "working"  # a fate that cannot happen here; and work given out in sub-tasks goes on
            self.tell(track, fate, state)

    def write_subtasks(self, subtasks):
        """[(sub-task, fate, days ago it was given)]: the sub-tasks' stories; communes report on them each quarter."""
        for subtask, fate, start_days in subtasks:
            subtask = Assignment.objects.select_related("task__plan", "organisation").get(pk=subtask.pk)
            start = self.today - start_days * DAY
            self._touch(subtask)
            subtask.start_date = start
            TaskEvent.objects.filter(kind="subtask_created", data__subtask=subtask.pk).update(at=self.moment(start))
            track = self.track(subtask, start=start)
            track.months = 3
            if fate == "pending_verification":
                self.complete(track, self.today - 6 * DAY, verify=False)
            else:
                self.chain(track, self.today, 1.0)

    # -- writing

    def flush(self, plans):
        """Write everything collected, recompute what is computed, then write the audit rows."""
        storage = Evidence._meta.get_field("file").storage
        saved = []
        try:
            self._write(storage, saved)
            # The importer and create_task date the tasks' creation and assignment today; in the story they
            # were given two days after their document was issued.
            for plan in plans:
                TaskEvent.objects.filter(task__plan=plan, kind__in=("task_created", "assigned")).update(
                    at=datetime.datetime.combine(plan.issued_on + 2 * DAY, datetime.time(9), tzinfo=self.zone))
            tasks = Task.objects.filter(plan__in=plans)
            refresh_timeliness(Assignment.objects.filter(task__plan__in=plans), today=self.today)
            actions.refresh_completeness(tasks)
            refresh_search_text(tasks)
            self._audit()
        except BaseException:
            for name in saved:  # the rows go with the transaction; the files must go too
                storage.delete(name)
            raise

    def _write(self, storage, saved):
        update_many([a for a, _before in self.changed.values()],
                    ["status", "status_reason", "progress", "self_rating", "last_report_on", "reports_received",
                     "reports_on_time", "revised_deadline", "completed_on", "start_date"])
        with historical_dates(ProgressReport._meta.get_field("created_at")):
            ProgressReport.objects.bulk_create(self.reports, batch_size=2000)
        self._write_evidence(storage, saved)
        for item, answered_at, closed_at in self.answers:
            item.status = Recommendation.Status.CLOSED if closed_at else Recommendation.Status.ANSWERED
            item.answer, item.answered_by, item.answered_at = self.rng.choice(ANSWERS), self.decider, answered_at
            self._event(item.assignment, answered_at, self.decider, "recommendation_answered", recommendation=item,
                        answer=item.answer)
            if closed_at:
                self._event(item.assignment, closed_at, self.decider, "recommendation_closed", recommendation=item)
        with historical_dates(Recommendation._meta.get_field("created_at")):
            Recommendation.objects.bulk_create(self.recommendations, batch_size=2000)
        with historical_dates(ExtensionRequest._meta.get_field("requested_at")):
            ExtensionRequest.objects.bulk_create(self.extensions, batch_size=2000)
        insert_many([TaskEvent(task_id=a.task_id, assignment_id=a.pk, at=at, actor_id=actor.pk if actor else None,
                               kind=kind, data={key: plain(value) for key, value in data.items()})
                     for a, at, actor, kind, data in self.events])

    def _write_evidence(self, storage, saved):
        """One PDF per report for the demo agencies; elsewhere the agencies of a task attach one copy of its
        product (thousands of files would add seconds to the first start)."""
        files = {}
        for report, uploaded_at, name in self.evidence:
            a = report.assignment
            key = ("report", report.pk) if report.author else ("task", a.task_id)
            if key not in files:
                content = demo_pdf([f"NQ57 - {a.task.plan.number}", f"Nhiem vu {a.task.code}: {a.task.title[:70]}",
                                    a.organisation.name[:80] if report.author else "San pham cua nhiem vu",
                                    f"Ngay {report.period_end:%d/%m/%Y}", "Tai lieu minh hoa (du lieu demo)"])
                stored = storage.save(evidence_path(Evidence(report=report), name), ContentFile(content))
                saved.append(stored)
                files[key] = (stored, len(content), hashlib.sha256(content).hexdigest())
            stored, size, digest = files[key]
            item = Evidence(report=report, original_name=name, content_type="application/pdf", size=size,
                            sha256=digest, uploaded_by=report.author, uploaded_at=uploaded_at)
            item.file.name = stored
            self.evidence_rows.append(item)
        with historical_dates(Evidence._meta.get_field("uploaded_at")):
            Evidence.objects.bulk_create(self.evidence_rows, batch_size=2000)

    def _audit(self):
        """One audit row per object created or changed, from the command's write context."""
        ctx = write_context.current()
        label, source = ctx.get("actor_label") or "load_demo", ctx.get("source") or AuditEvent.Source.COMMAND
        content_types, rows = {}, []

        def add(obj, action, before, after):
            model = type(obj)
            if model not in content_types:
                content_types[model] = ContentType.objects.get_for_model(model)
            rows.append(AuditEvent(actor_label=label, source=source, action=action, verb=VERB,
                                   content_type=content_types[model], object_id=str(obj.pk),
                                   object_repr=str(obj)[:300], organisation=obj.scope_organisation,
                                   before=before, after=after))

        current = Assignment.objects.select_related("task", "organisation").in_bulk(list(self.changed))
        for pk, (_assignment, before) in self.changed.items():
            add(current[pk], AuditEvent.Action.UPDATE, before, snapshot(current[pk]))
        for obj in self.reports + self.recommendations + self.extensions:
            add(obj, AuditEvent.Action.CREATE, None, snapshot(obj))
        evidence_fields = {f.name for f in Evidence._meta.concrete_fields} - {"file"}
        for item in self.evidence_rows:
            after = {**snapshot(item, fields=evidence_fields), "file": item.file.name}
            add(item, AuditEvent.Action.CREATE, None, after)
        insert_many(rows)
