"""URLs of the public pages (owned by the public helper); combined in urls.py. Codes are matched as strings and
checked by the views (a malformed code is a 404, never a 500)."""

from django.urls import path

from .views import public, public_answers, public_private

urlpatterns = [
    path("", public_answers.PublicListView.as_view(), name="public_list"),
    path("new/", public.SubmitView.as_view(), name="submit"),
    path("new/done/", public.ReceiptView.as_view(), name="receipt"),
    path("similar/", public.SimilarView.as_view(), name="similar"),
    path("track/", public.TrackView.as_view(), name="track"),
    path("track/<str:code>/", public.StatusView.as_view(), name="status"),
    path("p/<str:code>/<str:key>/", public_private.PrivateView.as_view(), name="private"),
    path("p/<str:code>/<str:key>/files/<int:pk>/", public_private.PrivateAttachmentView.as_view(),
         name="private_attachment"),
    path("answers/<str:code>/", public_answers.PublicDetailView.as_view(), name="public_detail"),
    path("answers/<str:code>/follow/", public.FollowView.as_view(), name="follow"),
    path("faq/", public_answers.FaqView.as_view(), name="faq"),
    path("stats/", public_answers.StatsView.as_view(), name="stats"),
    path("mine/", public_private.MineView.as_view(), name="mine"),
    path("mine/<str:code>/", public_private.MineDetailView.as_view(), name="mine_detail"),
    path("mine/<str:code>/files/<int:pk>/", public_private.MineAttachmentView.as_view(), name="mine_attachment"),
]
