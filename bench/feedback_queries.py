"""Feedback at national volume: the public list, its search and filters, and a submission with its similarity
check, timed in-process.

Run against a database prepared by bench/feedback_generate.py (1,000,000 submissions), with the project's Python
and the same NQ57_DATA_DIR / DATABASE_URL:

    NQ57_DATA_DIR=/tmp/nq57-fb-sqlite .venv/bin/python bench/feedback_queries.py \
        --json bench/results/feedback_queries-sqlite.json
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nq57fb NQ57_DATA_DIR=/tmp/nq57-fb-pg \
        .venv/bin/python bench/feedback_queries.py --json bench/results/feedback_queries-postgresql.json

Measures, one request or call at a time, --rounds times each (default 200) after --warmup rounds (default 10),
through Django's test client (DEBUG off, anonymous, as the public):
(a) the public list GET /feedback/: the first page, and a page deep in the list (its "before" cursor 10,000
    rows down);
(b) the public search GET /feedback/?q=…, rotating through QUERIES (common and rare words, with and without
    diacritics, a quoted phrase);
(c) the search with filters: field, agency, period (a month, a quarter), with and without words;
(d) a submission with its similarity check: `search.similar(title, content)` then `actions.submit_submission`
    (anonymous, with a client address, so the rate-limit queries run), texts built from the generator's
    vocabulary; one in four repeats a published submission in other words. Also the fragment the form fetches
    while the title is typed, GET /feedback/similar/?title=…&content=….
Target: p95 ≤ 300 ms for each. The submissions made by (d) are deleted afterwards, with their timeline events
and audit rows (the tracking-code sequence keeps its advance). Prints each part's SQL queries once.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nq57.settings")

import django  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from nq57.feedback import actions, search  # noqa: E402
from nq57.feedback.models import Event, Field, Submission  # noqa: E402
from nq57.orgs.models import Organisation  # noqa: E402

QUERIES = ["chuyen doi so", "chữ ký số", "tri tue nhan tao", "dữ liệu dân cư", "lang son", "ha tang so",
           "quỹ đầu tư mạo hiểm", '"chu ky so" doanh nghiep', "ban dan", "robot y te", "xe dien tram sac",
           "bảo vệ dữ liệu cá nhân", "thu tuc hanh chinh cap xa", "đóng gói chip", "Nghị định 13/2023",
           "sang kien nong nghiep chinh xac"]
TAG = "bench-feedback-queries"  # the submitter organisation of submissions made here: how they are found again


def percentiles(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 1), "p95": round(p95, 1),
            "max": round(ordered[-1], 1)}


def queries_of(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
    return {"status": response.status_code, "queries": len(captured), "html_kb": round(len(response.content) / 1024, 1),
            "sql_ms": round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1),
            "slowest": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:300]} for q in slowest]}


def time_pages(client, label, paths, rounds, warmup):
    """GET the paths round-robin; the first `warmup` requests are not counted."""
    for number in range(warmup):
        response = client.get(paths[number % len(paths)])
        if response.status_code != 200:
            sys.exit(f"{paths[number % len(paths)]} answered {response.status_code}")
    samples, per_path = [], {}
    for number in range(rounds):
        path = paths[number % len(paths)]
        began = time.perf_counter()
        response = client.get(path)
        ms = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}")
        samples.append(ms)
        per_path.setdefault(path, []).append(ms)
    result = {"label": label, "timing": percentiles(samples), "detail": queries_of(client, paths[0]),
              "paths": {path: percentiles(values) for path, values in per_path.items()}}
    worst = max(result["paths"].items(), key=lambda item: item[1]["p95"])
    print(f"{label}: {result['timing']}, {result['detail']['queries']} queries "
          f"({result['detail']['sql_ms']} ms of SQL), {result['detail']['html_kb']} kB; slowest path "
          f"{worst[0]} p95 {worst[1]['p95']} ms", flush=True)
    for query in result["detail"]["slowest"]:
        print(f"      {query['ms']} ms  {query['sql'][:150]}", flush=True)
    return result


def cursor_of(submission):
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return f"{(submission.published_at - epoch) // datetime.timedelta(microseconds=1)}.{submission.pk}"


def list_paths():
    deep = Submission.objects.public().order_by("-published_at", "-pk")[10_000]
    return {"first page": ["/feedback/"], "a page 10,000 rows down": [f"/feedback/?before={cursor_of(deep)}"]}


def filter_paths(rng):
    fields = list(Field.objects.order_by("sort_order").values_list("pk", flat=True))
    agencies = [code for code in ("BKHCN", "BYT", "BTC", "P20", "P01", "P20-SKHCN", "P79", "BGDDT", "BCA")
                if Organisation.objects.filter(code=code).exists()]
    agency_ids = list(Organisation.objects.filter(code__in=agencies).values_list("pk", flat=True))
    periods = [("2026-10-01", "2026-10-31"), ("2026-01-01", "2026-03-31"), ("2025-06-01", "2025-06-30"),
               ("2026-07-01", "2026-09-30")]
    paths = []
    for number in range(24):
        params = {}
        if number % 3 != 2:
            params["field"] = fields[number % len(fields)]
        if number % 2 == 0:
            params["agency"] = agency_ids[number % len(agency_ids)]
        if number % 4 in (1, 2):
            params["date_from"], params["date_to"] = periods[number % len(periods)]
        if number % 2 == 1 or not params:
            params["q"] = QUERIES[number % len(QUERIES)]
        paths.append("/feedback/?" + urlencode(params))
    rng.shuffle(paths)
    return paths


def submission_texts(rng, count):
    """(title, content) pairs: new texts from the generator's vocabulary; one in four an existing published
    submission said again in other words."""
    import feedback_generate as generate

    provinces = list(Organisation.objects.filter(kind__in=["province", "city"], code__startswith="P")[:34])
    texts = generate.Texts(rng, provinces, {})
    last = Submission.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    pairs = []
    while len(pairs) < count:
        if len(pairs) % 4 == 3:
            existing = (Submission.objects.public().filter(pk__gte=rng.randint(1, last)).order_by("pk")
                        .values_list("public_title", "public_content").first())
            if existing:
                title, content = existing
                sentences = content.split(". ")
                pairs.append((f"Kiến nghị lại: {title}"[:300], ". ".join(sentences[1:] + sentences[:1])))
                continue
        province = rng.choice(provinces)
        seed = texts.seed(rng.choice(["comment", "recommendation", "initiative", "solution"]), province)
        pairs.append((texts.title(seed), texts.content(seed)))
    return pairs


def measure_submissions(rounds, warmup, rng):
    field = Field.objects.get(code="the-che-thu-tuc")
    pairs = submission_texts(rng, rounds + warmup)
    made, similar_ms, submit_ms, total_ms, found = [], [], [], [], []
    captured_once = None
    for number, (title, content) in enumerate(pairs):
        data = {"kind": "recommendation", "field": field, "title": title, "content": content,
                "related_document": "", "related_article": "", "submitter_kind": "individual",
                "submitter_name": "Người Đo Hiệu Năng", "submitter_organisation": TAG,
                "address": "Số 1, phường Vĩnh Trại, tỉnh Lạng Sơn", "phone": f"09{10_000_000 + number:08d}",
                "email": "", "citizen_id": "", "consent_publish": number % 2 == 0, "confidential": False,
                "language": "vi"}
        context = CaptureQueriesContext(connection) if number == warmup else None
        if context is not None:
            context.__enter__()
        began = time.perf_counter()
        similar = search.similar(title, content)
        middle = time.perf_counter()
        submission, _key = actions.submit_submission(actor=None, data=data, client_ip=f"10.57.{number // 250}."
                                                     f"{number % 250}")
        ended = time.perf_counter()
        if context is not None:
            context.__exit__(None, None, None)
            captured_once = context
        made.append(submission.pk)
        if number >= warmup:
            similar_ms.append((middle - began) * 1000)
            submit_ms.append((ended - middle) * 1000)
            total_ms.append((ended - began) * 1000)
            found.append(len(similar))
    result = {"label": "(d) similar() + submit_submission()", "timing": percentiles(total_ms),
              "similar": percentiles(similar_ms), "submit": percentiles(submit_ms),
              "similar_found_mean": round(statistics.mean(found), 2),
              "queries": len(captured_once) if captured_once is not None else None,
              "sql_ms": round(sum(float(q["time"]) for q in captured_once.captured_queries) * 1000, 1)
              if captured_once is not None else None}
    print(f"{result['label']}: {result['timing']} (similar {result['similar']}, submit {result['submit']}), "
          f"{result['queries']} queries ({result['sql_ms']} ms of SQL), {result['similar_found_mean']} similar "
          "found on average", flush=True)
    return result, made


def cleanup(ids):
    """Delete the submissions made by (d), their events and audit rows."""
    from django.contrib.contenttypes.models import ContentType

    from nq57.audit.models import AuditEvent

    ids = list(ids) + list(Submission.objects.filter(submitter_organisation=TAG).values_list("pk", flat=True))
    if not ids:
        return 0
    kind = ContentType.objects.get_for_model(Submission)
    with transaction.atomic():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            AuditEvent.objects.filter(content_type=kind, object_id__in=[str(pk) for pk in chunk]).delete()
            Event.objects.filter(submission_id__in=chunk).delete()
            search.unindex_submissions(chunk)
            Submission.objects.filter(pk__in=chunk).delete()
    return len(set(ids))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=5757)
    parser.add_argument("--skip", choices=["list", "search", "filters", "similar", "submit"], action="append",
                        default=[])
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if not (1 <= args.rounds <= 100_000 and 0 <= args.warmup <= 1000):
        parser.error("rounds out of range")
    override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False, STORAGES={
        **settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    ).enable()
    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {Submission._meta.db_table}")
        approx = cursor.fetchone()[0] or 0
    results = {"benchmark": "feedback_queries", "database": connection.vendor, "submissions_max_id": approx,
               "public": Submission.objects.public().count() if approx < 50_000 else "see feedback_generate log",
               "when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "load_before": os.getloadavg(), "parts": []}
    print(f"{connection.vendor}: submissions up to id {approx:,}", flush=True)
    client = Client()
    if "list" not in args.skip:
        for label, paths in list_paths().items():
            results["parts"].append(time_pages(client, f"(a) GET /feedback/, {label}", paths, args.rounds,
                                               args.warmup))
    if "search" not in args.skip:
        paths = ["/feedback/?" + urlencode({"q": q}) for q in QUERIES]
        results["parts"].append(time_pages(client, "(b) GET /feedback/?q=…", paths, args.rounds, args.warmup))
    if "filters" not in args.skip:
        results["parts"].append(time_pages(client, "(c) GET /feedback/ with filters", filter_paths(rng),
                                           args.rounds, args.warmup))
    if "similar" not in args.skip:
        pairs = submission_texts(random.Random(args.seed + 1), 40)
        paths = ["/feedback/similar/?" + urlencode({"title": t, "content": c[:1000]}) for t, c in pairs]
        results["parts"].append(time_pages(client, "(d') GET /feedback/similar/ (the form's check)", paths,
                                           args.rounds, args.warmup))
    if "submit" not in args.skip:
        made = []
        try:
            part, made = measure_submissions(args.rounds, args.warmup, rng)
            results["parts"].append(part)
        finally:
            print(f"      deleted the {cleanup(made):,} submissions made", flush=True)
    results["load_after"] = os.getloadavg()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
