"""The demo's plans: Resolution 57-NQ/TW, the Government's programme 03/NQ-CP with its 7 groups and 140
tasks, and an illustrative plan of Lạng Sơn province, with a believable history from January 2025 to today.

The 140 tasks go through the importer (`nq57.plans.importing`), so the demo shows the real name
resolution and fan-out to ministries and provinces; the province plan and the communes' sub-tasks go
through the workflow's service functions; the history is written in bulk by `nq57.demo.history`.
Loaded once, in demo mode only, by `nq57.demo.loader.load_demo` (bootstrap and `nq57 load_demo`).
"""

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from nq57.accounts.models import User
from nq57.audit.models import AuditEvent
from nq57.core import context as write_context
from nq57.orgs.models import Kind, Organisation
from nq57.plans import actions
from nq57.plans.importing import (ProductClassifier, SourceRow, Table, apply_import, build_import_preview,
                                  ensure_product_types)
from nq57.plans.models import Assignment, Plan

from .history import DAY, History

DATA = Path(__file__).resolve().parent / "data"
PROGRAMME_FILE = DATA / "resolution-03-tasks.json"
PROVINCE_FILE = DATA / "lang-son-plan.json"
PROGRAMME_NUMBER = "03/NQ-CP"
HEADER = ["TT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Kết quả", "Thời gian hoàn thành"]
MAPPING = {"header_row": 1, "columns": {"code": 0, "title": 1, "lead": 2, "coordinating": 3, "product": 4,
                                        "deadline": 5, "responsible_person": None, "source_article": None}}
# Who writes and who approves the reports of an agency: the demo users, by the code of the organisation whose
# subtree they cover ("commune:1" is the demo commune). Elsewhere reports have no named author.
REPORTERS = {"commune:1": ("xa.canbo", "langson.truong"), "BKHCN": ("bkhcn.canbo", "bkhcn.lanhdao"),
             "P20": ("langson.canbo", "langson.truong")}
DECIDER = "vanphong"  # the standing office: verifies completions, decides extensions, answers recommendations
# Steps forced on the demo agencies' first fitting lead assignments so that each demo login finds work on
# first start: (agency code, fate, state of the latest report).
DEMO_WISHES = [
    ("BKHCN", "working_past", "returned"), ("BKHCN", "working_past", "submitted"),
    ("BKHCN", "working_past", "approved"), ("BKHCN", "due_soon", "approved"), ("BKHCN", "working", "submitted"),
    ("BKHCN", "working", "submitted"), ("BKHCN", "working", "returned"), ("BKHCN", "working", "draft"),
    ("BKHCN", "pending_extension", "approved"), ("BKHCN", "pending_verification", "approved"),
    ("BKHCN", "silent", None),
    ("P20", "working", "submitted"), ("P20", "working_past", "returned"), ("P20", "working", "submitted"),
    ("P20", "pending_verification", "approved"), ("P20", "pending_extension", "approved"),
]
# Lạng Sơn gives two communes part of its national task 115 (digitising local records):
# (commune number, title, days from today to the deadline, fate, days ago it was given).
SUBTASK_PARENT = ("115", "P20")
SUBTASKS = [
    (1, "Số hóa sổ hộ tịch lưu tại xã, giai đoạn 2015–2024", 10, "working", 150),
    (2, "Số hóa hồ sơ đất đai đang lưu tại xã", 45, "pending_verification", 150),
]


def load_plans_demo(today=None):
    """Create the demo plans and their history once (demo mode only); returns the programme, or None when
    it already exists."""
    if not settings.DEMO_MODE:
        raise RuntimeError("The demo dataset is never loaded in production mode")
    if Plan.objects.filter(number=PROGRAMME_NUMBER).exists():
        return None
    today = today or timezone.localdate()
    with write_context.using(source=AuditEvent.Source.COMMAND,
                             actor_label=write_context.current().get("actor_label") or "load_demo"):
        return _load(today)


@transaction.atomic
def _load(today):
    programme_data = json.loads(PROGRAMME_FILE.read_text(encoding="utf-8"))
    province_data = json.loads(PROVINCE_FILE.read_text(encoding="utf-8"))
    documents = {}
    for spec in programme_data["documents"]:
        if spec["number"] != PROGRAMME_NUMBER:
            documents[spec["key"]] = _create_document(spec, documents)
    programme = import_programme(programme_data, documents)
    documents[PROGRAMME_NUMBER] = programme
    province_plan, stories = create_province_plan(province_data, documents)
    users = {u.username: u for u in User.objects.filter(username__in=_demo_usernames())}
    subtasks = create_subtasks(programme, users, today)
    history = History(today=today, reporters=_reporters(users), decider=users.get(DECIDER))
    history.write_plan(programme, wishes=DEMO_WISHES)
    history.write_plan(province_plan, stories=stories)
    history.write_subtasks(subtasks)
    history.flush([programme, province_plan])
    return programme


def _demo_usernames():
    return {name for pair in REPORTERS.values() for name in pair} | {DECIDER}


def _reporters(users):
    """{organisation path: (author, approver)} from REPORTERS."""
    resolved = {}
    for key, (author, approver) in REPORTERS.items():
        org = province_communes(_org("P20"))[0] if key == "commune:1" else _org(key)
        resolved[org.path] = (users.get(author), users.get(approver))
    return resolved


def _org(code):
    return Organisation.objects.get(code=code)


def _create_document(spec, documents):
    return actions.create_plan(
        actor=None, kind=spec["kind"], number=spec["number"], title=spec["title"], issuer=_org(spec["issuer"]),
        owner=_org(spec["owner"]), issued_on=datetime.date.fromisoformat(spec["issued_on"]),
        implements=documents.get(spec["implements"]))


def programme_table(data):
    """The programme's groups and tasks as the table the importer reads: a header, then each group's row
    followed by its tasks' rows."""
    rows = [SourceRow(1, list(HEADER))]
    tasks_of = {}
    for task in data["tasks"]:
        tasks_of.setdefault(task["group"], []).append(task)
    for group in data["groups"]:
        rows.append(SourceRow(len(rows) + 1, [group["code"], group["title"], "", "", "", ""]))
        for t in tasks_of.get(group["code"], []):
            rows.append(SourceRow(len(rows) + 1, [t["code"], t["title"], t["lead"], t["coordinating"], t["product"],
                                                  t["deadline"]]))
    return Table(kind="md", rows=rows)


def import_programme(data, documents):
    """Import 03/NQ-CP through the importer: the real name resolution and fan-out to ministries and provinces."""
    spec = next(d for d in data["documents"] if d["number"] == PROGRAMME_NUMBER)
    ensure_product_types()
    fields = {"kind": spec["kind"], "number": spec["number"], "title": spec["title"], "issuer": _org(spec["issuer"]),
              "owner": _org(spec["owner"]), "issued_on": datetime.date.fromisoformat(spec["issued_on"]),
              "implements": documents.get(spec["implements"])}
    preview = build_import_preview(programme_table(data), MAPPING, plan_fields=fields)
    return apply_import(preview, actor=None).plan


def province_communes(province):
    """The province's communes in map order (the first is the demo commune officer's home)."""
    return list(Organisation.objects.filter(parent=province, kind=Kind.COMMUNE).order_by("sort_order"))


def create_province_plan(data, documents):
    """Lạng Sơn's own plan through the service functions; returns (plan, {task code: story})."""
    spec = data["document"]
    plan = _create_document(spec, documents)
    communes = province_communes(plan.owner)
    classifier = ProductClassifier()

    def orgs(codes):
        return [communes[int(c.split(":")[1]) - 1] if c.startswith("commune:") else _org(c) for c in codes]

    stories = {}
    for t in data["tasks"]:
        lead, coordinating = orgs(t["lead"]), orgs(t["coordinating"])
        actions.create_task(
            actor=None, plan=plan, code=t["code"], title=t["title"], product_text=t["product"],
            product_type=classifier.classify(t["product"]), deadline_text=t["deadline"], lead=lead,
            coordinating=coordinating, lead_text=", ".join(o.name for o in lead),
            coordinating_text=", ".join(o.name for o in coordinating))
        stories[t["code"]] = t["story"]
    return plan, stories


def create_subtasks(programme, users, today):
    """SUBTASKS through the service function, by Lạng Sơn's focal officer; [(sub-task, fate, days ago given)]."""
    code, agency = SUBTASK_PARENT
    parent = (Assignment.objects.filter(task__plan=programme, task__code=code, organisation__code=agency,
                                        role=Assignment.Role.LEAD, parent__isnull=True).first())
    if parent is None:
        return []
    communes = province_communes(parent.organisation)
    created = []
    for number, title, days, fate, given in SUBTASKS:
        subtask = actions.create_subtask(actor=users.get("langson.canbo"), assignment=parent,
                                         organisation=communes[number - 1], title=title,
                                         deadline=today + days * DAY)
        created.append((subtask, fate, given))
    return created
