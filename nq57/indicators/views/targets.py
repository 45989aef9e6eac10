"""Placeholder: being written (issue 4)."""

from django.http import Http404
from django.views import View



class TargetsView(View):
    def get(self, request, *args, **kwargs):
        raise Http404
