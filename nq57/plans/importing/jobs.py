"""Import jobs: an uploaded file kept on disk with its mapping, so the web steps survive restarts.

Service functions in the house style: keyword-only actor, one transaction, permission through
`can()` (ASSIGN on the assigning body), an audit row per write.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from nq57.audit.models import AuditEvent
from nq57.audit.services import record, snapshot
from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.orgs.models import Organisation

from ..models import ImportJob, Plan
from .apply import apply_import
from .preview import build_import_preview
from .products import ensure_product_types
from .readers import FIELD_NAMES, REQUIRED_FIELDS, ImportFileError, initial_mapping, kind_for, read_table

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
JOB_FIELDS = ("original_name", "kind", "mapping", "document", "owner", "plan", "status")


def max_upload_bytes():
    return getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _require(actor, owner):
    if actor is not None and not can(actor, Action.ASSIGN, owner):
        raise PermissionDenied


def check_upload(name, data):
    """(kind, table, mapping) for an uploaded file, or ImportFileError saying what is wrong with it."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ImportFileError(_("The file is larger than %(size)s MB. Split the table or remove images and "
                                "other sheets, then upload it again.") % {"size": limit // (1024 * 1024)})
    if not data:
        raise ImportFileError(_("The file is empty."))
    kind = kind_for(name, data)
    table = read_table(data, kind)
    return kind, table, initial_mapping(table)


@transaction.atomic
def create_import_job(*, actor, name, data, owner, plan=None, document=None):
    """Keep an uploaded table under MEDIA_ROOT/imports/ with its detected mapping; checks the file first."""
    owner = plan.owner if plan is not None else owner
    if owner is None:
        raise ValidationError({"owner": _("Choose the assigning body.")})
    _require(actor, owner)
    kind, _table, mapping = check_upload(name, data)
    ensure_product_types(actor=actor)  # the types the preview reads products into
    job = ImportJob(uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
                    original_name=(name or "import")[:255], kind=kind, mapping=mapping, document=document or {},
                    owner=owner, plan=plan)
    job.file.save(job.original_name, ContentFile(data), save=False)
    job.save()
    record(actor=actor, obj=job, action=AuditEvent.Action.CREATE, after=snapshot(job, JOB_FIELDS),
           verb="import_uploaded")
    return job


def job_table(job, sheet=None):
    """The job's table, read again from its file (sheet: another sheet of a workbook)."""
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise ImportFileError(_("The uploaded file is no longer available; upload it again.")) from exc
    return read_table(data, job.kind, sheet=sheet if sheet is not None else job.mapping.get("sheet"))


def clean_mapping(mapping, table):
    """Check a mapping chosen by the user against the table; returns it normalised or raises ValidationError."""
    header = mapping.get("header_row")
    if table.row(header) is None:
        raise ValidationError({"header_row": _("Choose a row of the table as the header.")})
    columns = {}
    for name in FIELD_NAMES:
        index = mapping.get("columns", {}).get(name)
        if index is not None and not 0 <= int(index) < table.width:
            raise ValidationError({name: _("There is no such column.")})
        columns[name] = None if index is None else int(index)
    errors = {name: _("Choose the column of this field.") for name in REQUIRED_FIELDS if columns[name] is None}
    used = {}
    for name, index in columns.items():
        if index is not None and index in used:
            errors[name] = _("This column is already used for another field.")
        used.setdefault(index, name)
    if errors:
        raise ValidationError(errors)
    return {"sheet": mapping.get("sheet"), "header_row": header, "columns": columns}


@transaction.atomic
def set_import_mapping(*, actor, job, mapping, confirmed=True):
    """Store the column mapping the user chose (confirmed: ready for the preview)."""
    _require(actor, job.owner)
    if job.status == ImportJob.Status.APPLIED:
        raise ValidationError(_("This file has already been imported."))
    before = snapshot(job, JOB_FIELDS)
    job.mapping = mapping
    job.status = ImportJob.Status.MAPPED if confirmed else ImportJob.Status.UPLOADED
    job.save(update_fields=["mapping", "status"])
    record(actor=actor, obj=job, action=AuditEvent.Action.UPDATE, before=before, after=snapshot(job, JOB_FIELDS),
           verb="import_mapped")
    return job


def job_plan_fields(job):
    """The new document's fields, with organisations and plans loaded again by id."""
    document = job.document or {}
    orgs = Organisation.objects.in_bulk([i for i in (document.get("issuer_id"), job.owner_id) if i])
    implements_id = document.get("implements_id")
    return {
        "kind": document.get("kind") or Plan.DocumentKind.PLAN, "number": document.get("number", ""),
        "title": document.get("title", ""), "issuer": orgs.get(document.get("issuer_id")),
        "owner": orgs.get(job.owner_id),
        "issued_on": datetime.date.fromisoformat(document["issued_on"]) if document.get("issued_on") else None,
        "implements": Plan.objects.filter(pk=implements_id).first() if implements_id else None,
    }


def job_preview(job):
    """The dry run of a job with its current mapping (nothing written)."""
    table = job_table(job)
    plan = job.plan if job.plan_id and job.status != ImportJob.Status.APPLIED else None
    return build_import_preview(table, job.mapping, plan, plan_fields=None if plan else job_plan_fields(job))


@transaction.atomic
def run_import_job(*, actor, job):
    """Apply the job's import once: the whole plan or version in this one transaction."""
    _require(actor, job.owner)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status == ImportJob.Status.APPLIED:
        raise ValidationError(_("This file has already been imported."))
    preview = job_preview(job)
    result = apply_import(preview, actor=actor)
    before = snapshot(job, JOB_FIELDS)
    job.status = ImportJob.Status.APPLIED
    job.plan = result.plan
    job.result = result.as_json() | preview.summary()
    job.save(update_fields=["status", "plan", "result"])
    record(actor=actor, obj=job, action=AuditEvent.Action.UPDATE, before=before, after=snapshot(job, JOB_FIELDS),
           verb="import_applied")
    return job, result
