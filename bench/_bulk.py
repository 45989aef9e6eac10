"""Bulk loading for the benchmark generators: load, not behaviour, so straight into the tables."""

from django.db import connection


class Writer:
    """Rows of one model straight into its table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, model, columns):
        self.table = model._meta.db_table
        self.columns = columns
        quote = connection.ops.quote_name
        self.names = ", ".join(quote(c) for c in columns)
        self.insert = f"INSERT INTO {quote(self.table)} ({self.names}) VALUES ({', '.join(['%s'] * len(columns))})"
        self.count = 0

    def write(self, rows):
        if not rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {connection.ops.quote_name(self.table)} ({self.names}) FROM STDIN") \
                        as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert, rows)
        self.count += len(rows)
