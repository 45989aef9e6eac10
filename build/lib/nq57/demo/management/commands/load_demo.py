from django.core.management.base import BaseCommand

from nq57.core import context as write_context
from nq57.demo.loader import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create the demo accounts (demo mode only)."

    def handle(self, *args, **options):
        with write_context.using(source="command", actor_label="load_demo"):
            rows = load_demo()
        print_logins(self.stdout, rows)


def print_logins(out, rows):
    out.write("Demo logins (password for all: %s)" % DEMO_PASSWORD)
    width = max(len(r[0]) for r in rows)
    for username, role, scope in rows:
        out.write(f"  {username.ljust(width)}  {role} — {scope}")
