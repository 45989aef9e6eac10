"""Writing many rows fast, for the demo loader: historical dates in bulk_create, and plain statements run
once for many rows where the ORM's per-batch SQL compilation would cost seconds at start-up."""

import contextlib
import datetime

from django.db import connection


@contextlib.contextmanager
def historical_dates(*fields):
    """Let bulk_create keep the dates given to `auto_now_add` fields (a request date, an upload date…).

    Only for this single-threaded loader: the flag is restored on the way out, whatever happens."""
    saved = [(f, f.auto_now_add) for f in fields]
    for f, _value in saved:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in saved:
            f.auto_now_add = value


def insert_many(objects):
    """Insert new rows of one model whose ids nobody needs (timeline and audit rows), one statement run.

    Values are prepared by the fields themselves, as bulk_create does (auto_now_add included), without
    compiling an INSERT per batch: about twice as fast for tens of thousands of rows."""
    if not objects:
        return
    meta = objects[0]._meta
    columns = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = "INSERT INTO %s (%s) VALUES (%s)" % (quote(meta.db_table), ", ".join(quote(f.column) for f in columns),
                                               ", ".join(["%s"] * len(columns)))
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in columns] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def update_many(objects, fields):
    """Save `fields` of many rows of one model, one statement run for all rows.

    bulk_update builds a CASE per field over every row of a batch: seconds for a few thousand rows."""
    if not objects:
        return
    meta = objects[0]._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    sql = "UPDATE %s SET %s WHERE %s = %%s" % (quote(meta.db_table), assignments, quote(meta.pk.column))
    rows = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def plain(value):
    """A value for a JSON column: model instances by id, dates in ISO format."""
    if hasattr(value, "_meta"):
        return value.pk
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value
