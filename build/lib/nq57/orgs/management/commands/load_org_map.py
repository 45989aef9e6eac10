import time

from django.core.management.base import BaseCommand

from nq57.core import context as write_context
from nq57.orgs.actions import load_org_map


class Command(BaseCommand):
    help = "Load or refresh the organisation map (central bodies, 34 provinces, 3,321 communes); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--without-communes", action="store_true")

    def handle(self, *args, without_communes=False, **options):
        started = time.monotonic()
        with write_context.using(source="command", actor_label="load_org_map"):
            result = load_org_map(with_communes=not without_communes)
        self.stdout.write(self.style.SUCCESS(
            f"Organisation map: {result['created']} created, {result['updated']} updated "
            f"in {time.monotonic() - started:.1f}s"
        ))
