"""Placeholder: being written (issue 4)."""

from django.http import Http404


def indicators(request):
    raise Http404


def values(request):
    raise Http404
