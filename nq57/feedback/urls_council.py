"""URLs of the council pages (owned by the council helper); combined in urls.py."""

from django.urls import path

from .views import council

urlpatterns = [
    path("council/", council.CouncilView.as_view(), name="council"),
    path("council/s/<int:pk>/", council.AssignReviewersView.as_view(), name="assign_reviewers"),
    path("council/s/<int:pk>/decide/", council.DecideView.as_view(), name="decide"),
    path("council/reviews/<int:pk>/", council.ReviewView.as_view(), name="review"),
    path("council/reviews/<int:pk>/files/<int:file_pk>/", council.ReviewAttachmentView.as_view(),
         name="review_attachment"),
    path("council/experts/", council.ExpertsView.as_view(), name="experts"),
    path("council/rubrics/", council.RubricsView.as_view(), name="rubrics"),
]
