"""Placeholder: being written (issue 4)."""

from django.http import Http404
from django.views import View



class KpiIndexView(View):
    def get(self, request, *args, **kwargs):
        raise Http404


class IndicatorDetailView(View):
    def get(self, request, *args, **kwargs):
        raise Http404


class CompareView(View):
    def get(self, request, *args, **kwargs):
        raise Http404
