import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the platform: gunicorn for the web, plus the background worker. Stops both on Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("NQ57_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background worker.")

    def handle(self, *args, bind, workers, threads, no_worker, **options):
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "nq57.settings"}
        children = []
        if not no_worker:
            children.append(subprocess.Popen([sys.executable, "-m", "nq57.cli", "worker"], env=env))
        web = subprocess.Popen([
            sys.executable, "-m", "gunicorn", "nq57.wsgi:application", "--bind", bind,
            "--workers", str(workers), "--threads", str(threads), "--access-logfile", "-",
            "--graceful-timeout", "10", "--timeout", "60",
            "--no-control-socket",  # gunicorn 27 defaults to one shared socket in $HOME; several NQ57s may run
        ], env=env)
        children.append(web)
        self.stdout.write(self.style.SUCCESS(f"NQ57 is running at http://{bind}/ (Ctrl-C to stop)"))

        def stop(*_):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            code = web.wait()
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        sys.exit(code if code and code > 0 else 0)
