from django.urls import path

from . import api

urlpatterns = [
    path("indicators/", api.indicators, name="api_indicators"),
    path("indicators/values/", api.values, name="api_indicator_values"),
]
