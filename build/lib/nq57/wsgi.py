"""WSGI entry point for gunicorn: `gunicorn nq57.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nq57.settings")
application = get_wsgi_application()
