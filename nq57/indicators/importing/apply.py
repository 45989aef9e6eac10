"""Writing a dry run: indicators, targets and baselines through the service functions of
`nq57.indicators.actions`, in one transaction, so that applying the same file twice changes nothing."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nq57.core.permissions import can
from nq57.core.roles import Action

from ..models import Baseline, Frequency, Indicator
from .preview import CHANGED, compute_diff, preview_indicators

REIMPORT_REASON = "Nhập lại từ tệp {filename}"


@dataclass
class IndicatorImportResult:
    """What applying wrote."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    targets_set: int = 0
    baselines_set: int = 0
    indicators: list = field(default_factory=list)

    def as_json(self):
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "targets_set": self.targets_set, "baselines_set": self.baselines_set}


def _depth(code):
    return code.count(".")


@transaction.atomic
def apply_indicators(preview, *, actor, source_plan):
    """Create or update the indicators of a dry run through the service functions, in one transaction.

    The diff is computed again inside the transaction, so applying the same file twice changes nothing.
    A target that changes keeps its old version, with the reason "Nhập lại từ tệp <file>"."""
    from .. import actions

    plan_id = getattr(source_plan, "pk", None)
    if getattr(preview.source_plan, "pk", None) != plan_id:
        raise ValidationError(_("The preview was made for another document."))
    if actor is not None and source_plan is not None and not can(actor, Action.ASSIGN, source_plan):
        raise PermissionDenied
    compute_diff(preview)
    reason = REIMPORT_REASON.format(filename=preview.filename)
    result = IndicatorImportResult()
    by_code = {}
    if source_plan is not None:
        by_code = {i.code: i for i in Indicator.objects.filter(source_plan=source_plan)}
    for draft in sorted(preview.drafts, key=lambda d: (_depth(d.code), d.sort_order)):
        parent = by_code.get(draft.parent_code) if draft.parent_code else None
        fields = draft.indicator_fields()
        if draft.existing is None:
            owner, name = fields.pop("owner"), fields.pop("name")
            # A national indicator of a published document: reported yearly, not rolled up, strategic.
            fields = {"frequency": Frequency.YEAR, "level": Indicator.Level.NATIONAL,
                      "aggregation": Indicator.Aggregation.NONE, "layer": Indicator.Layer.STRATEGIC, **fields}
            indicator = actions.create_indicator(
                actor=actor, owner=owner, code=draft.code, name=name, source_plan=source_plan, parent=parent,
                source_article=preview.source_article, sort_order=draft.sort_order, **fields)
            result.created += 1
        else:
            indicator = draft.existing
            changes = {name: fields[name] for name in draft.changed_fields if name in fields}
            if "parent" in draft.changed_fields:
                changes["parent"] = parent
            if "is_active" in draft.changed_fields:
                changes["is_active"] = True
            if changes:
                indicator = actions.update_indicator(actor=actor, indicator=indicator, **changes) or indicator
            if draft.change == CHANGED:
                result.updated += 1
            else:
                result.unchanged += 1
        by_code[draft.code] = indicator
        result.indicators.append(indicator)
        for change in draft.target_changes:
            part = change.part
            actions.set_target(actor=actor, indicator=indicator, year=change.year, comparator=part.comparator,
                               value=part.value, value_high=part.value_high, series=part.series, text=change.text,
                               reason=reason if change.is_replacement else "")
            result.targets_set += 1
        if draft.baseline_change is not None:
            value, as_of = draft.baseline
            actions.set_baseline(actor=actor, indicator=indicator, value=value, as_of=as_of,
                                 source=preview.filename[:300],
                                 reason=reason if isinstance(draft.baseline_change, Baseline) else "")
            result.baselines_set += 1
    return result


def import_indicators(data, filename, *, actor, source_plan, dry_run=False, **options):
    """Preview and (unless dry_run) apply in one step: (preview, result or None)."""
    preview = preview_indicators(data, filename, source_plan=source_plan, actor=actor, **options)
    if dry_run:
        return preview, None
    return preview, apply_indicators(preview, actor=actor, source_plan=source_plan)
