import time

from django.core.management.base import BaseCommand

from nq57.feedback import search


class Command(BaseCommand):
    help = ("Rebuild the public full-text search of feedback: recompute what the public may find of each "
            "submission and rebuild SQLite's FTS index from it (after a bulk load or a restore).")

    def add_arguments(self, parser):
        parser.add_argument("--index-only", action="store_true",
                            help="keep the stored public texts; only rebuild the index from them")

    def handle(self, *args, index_only=False, **options):
        started = time.monotonic()
        progress = (lambda message: self.stdout.write(message)) if options["verbosity"] > 1 else None
        found = search.rebuild_index(recompute=not index_only, progress=progress)
        self.stdout.write(f"{found:,} submissions searchable by the public; "
                          f"{time.monotonic() - started:.1f} s")
