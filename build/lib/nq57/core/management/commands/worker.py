import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from nq57.core import scheduler


class Command(BaseCommand):
    help = "Run the background worker: the periodic-job scheduler plus the database task queue."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Enqueue due jobs, run all queued tasks, exit.")

    def handle(self, *args, batch=False, **options):
        if batch:
            scheduler.enqueue_due()
            call_command("db_worker", batch=True, no_startup_delay=True)
            return
        stop = threading.Event()
        thread = threading.Thread(target=scheduler.run_forever, args=(stop,), daemon=True, name="nq57-scheduler")
        thread.start()
        try:
            call_command("db_worker", interval=2)
        finally:
            stop.set()
