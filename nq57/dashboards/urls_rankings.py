from django.urls import path

from .views_rankings import RankingsView

urlpatterns = [
    path("rankings/", RankingsView.as_view(), name="rankings"),
]
