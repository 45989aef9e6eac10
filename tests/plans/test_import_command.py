"""`nq57 import_plan`: the preview summary and unresolved items by row; --dry-run writes nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from nq57.plans.models import Assignment, Plan, Task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are checked in English, the msgid language; the default language is Vietnamese.
    with translation.override("en"):
        yield


APPENDIX_2 = "resolution-03-NQ-CP-appendix-2-tasks.md"
NEW_PLAN = ["--number", "03/NQ-CP", "--title", "Chương trình hành động", "--issuer", "CP", "--owner", "VPTWD",
            "--issued-on", "2025-01-09"]


def _run(*args):
    out = io.StringIO()
    call_command("import_plan", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_prints_the_summary_and_every_unresolved_item_and_writes_nothing(shared_data):
    output = _run(str(shared_data / APPENDIX_2), *NEW_PLAN, "--dry-run")
    assert "151 rows: 7 groups, 140 tasks, 3 continuation rows merged, 0 ignored, 0 not imported" in output
    assert "1 agencies not resolved, 14 to be chosen, 0 completion times not understood" in output
    assert "row 12 (3, coordinating): 'Bộ' — No organisation or group has this name" in output
    assert "row 88 (IV, deadline): 'năm tiếp theo' — Text in a group row is ignored" in output
    assert output.rstrip().endswith("Dry run: nothing written.")
    assert not Plan.objects.exists() and not Task.objects.exists()


def test_it_imports_a_plan_then_a_new_version_of_it(shared_data, tmp_path):
    output = _run(str(shared_data / APPENDIX_2), *NEW_PLAN)
    plan = Plan.objects.get()
    assert f"Plan {plan.pk} (03/NQ-CP — Chương trình hành động) version 1: 140 tasks created" in output
    assert (plan.issuer.code, plan.owner.code, str(plan.issued_on)) == ("CP", "VPTWD", "2025-01-09")
    assigned = Assignment.objects.filter(task__plan=plan).count()
    assert f"{assigned} assignments created" in output

    lines = (shared_data / APPENDIX_2).read_text(encoding="utf-8").splitlines()
    shorter = tmp_path / "v2.md"
    shorter.write_text("\n".join(line for line in lines if not line.startswith("| 140.")), encoding="utf-8")
    output = _run(str(shorter), "--plan", str(plan.pk))
    assert "Changes: 0 added, 0 changed, 1 removed, 139 unchanged" in output
    assert "  140: removed" in output
    plan.refresh_from_db()
    assert plan.version == 2 and plan.tasks.get(code="140").removed


@pytest.mark.parametrize("args, message", [
    (["--title", "T", "--issuer", "CP"], "a new plan needs --title, --issuer and --owner"),
    (["--title", "T", "--issuer", "XYZ", "--owner", "VPTWD"], "--issuer: no organisation has the code 'XYZ'"),
    (["--plan", "999999"], "--plan: no plan has the id 999999"),
    (["--title", "T", "--issuer", "CP", "--owner", "VPTWD", "--issued-on", "9/1/2025"], "--issued-on: use YYYY-MM-DD"),
])
def test_wrong_options_are_explained(shared_data, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        _run(str(shared_data / APPENDIX_2), *args)


def test_a_file_that_cannot_be_read_is_explained(tmp_path):
    bad = tmp_path / "plan.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="not an Excel workbook"):
        _run(str(bad), *NEW_PLAN)
    with pytest.raises(CommandError):
        _run(str(tmp_path / "missing.csv"), *NEW_PLAN)
