from django.db import migrations


def load(apps, schema_editor):
    from nq57.core.workdays import default_days

    Holiday = apps.get_model("core", "Holiday")
    for day, kind, name, note in default_days():
        Holiday.objects.get_or_create(date=day, defaults={"kind": kind, "name": name, "note": note})


class Migration(migrations.Migration):
    dependencies = [("core", "0002_holiday")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
