from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from nq57.core import context as write_context


class Command(BaseCommand):
    help = "Prepare a database: migrate, load the organisation map if empty, and the demo dataset in demo mode."

    def handle(self, *args, **options):
        from nq57.orgs.models import Organisation

        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # the dashboards' shared cache when Redis is not configured
        with write_context.using(source="command", actor_label="bootstrap"):
            if not Organisation.objects.exists():
                self.stdout.write("Loading the organisation map (34 provinces, 3,321 communes)…")
                call_command("load_org_map")
            if settings.DEMO_MODE:
                from nq57.demo.loader import load_demo
                from nq57.demo.management.commands.load_demo import print_logins
                from nq57.demo.plans_demo import PROGRAMME_NUMBER
                from nq57.plans.models import Plan

                if not Plan.objects.filter(number=PROGRAMME_NUMBER).exists():
                    self.stdout.write("Loading the demo plans (Resolution 03/NQ-CP, 140 tasks) and their history…")
                print_logins(self.stdout, load_demo())
