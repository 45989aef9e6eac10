import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data" / "defaults.json"


def load(apps, schema_editor):
    """The starting taxonomy, deadline rules, rubric and expertise tags; all editable afterwards."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    Field = apps.get_model("feedback", "Field")
    DeadlineRule = apps.get_model("feedback", "DeadlineRule")
    Rubric = apps.get_model("feedback", "Rubric")
    Criterion = apps.get_model("feedback", "Criterion")
    ExpertiseTag = apps.get_model("feedback", "ExpertiseTag")
    for order, (code, group, name, name_en) in enumerate(data["fields"]):
        Field.objects.get_or_create(code=code, defaults={"group": group, "name": name, "name_en": name_en,
                                                         "sort_order": order * 10})
    for kind, stage, days, remind, escalate in data["rules"]:
        DeadlineRule.objects.get_or_create(kind=kind, stage=stage, defaults={
            "working_days": days, "remind_before": remind, "escalate_after": escalate})
    if not Rubric.objects.exists():
        rubric = Rubric.objects.create(name=data["rubric"]["name"], is_default=True)
        for order, (code, name, name_en, weight, max_score) in enumerate(data["rubric"]["criteria"]):
            Criterion.objects.create(rubric=rubric, code=code, name=name, name_en=name_en,
                                     weight=Decimal(weight), max_score=max_score, sort_order=order)
    for code, name, name_en, field_codes in data["expertise"]:
        tag, _ = ExpertiseTag.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
        tag.fields.set(Field.objects.filter(code__in=field_codes))


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
