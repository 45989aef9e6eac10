"""URLs of the staff pages (owned by the staff helper); combined in urls.py."""

from django.urls import path

from .views import settings, staff, staff_detail

urlpatterns = [
    path("triage/", staff.TriageView.as_view(), name="triage"),
    path("inbox/", staff.InboxView.as_view(), name="inbox"),
    path("export/", staff.ExportView.as_view(), name="export"),
    path("s/<int:pk>/", staff_detail.DetailView.as_view(), name="detail"),
    path("s/<int:pk>/<slug:step>/", staff_detail.StepView.as_view(), name="step"),
    path("files/<int:pk>/", staff.attachment, name="attachment"),
    path("templates/", settings.TemplatesView.as_view(), name="templates"),
    path("templates/<int:pk>/", settings.TemplateEditView.as_view(), name="template_edit"),
    path("fields/", settings.FieldsView.as_view(), name="fields"),
    path("rules/", settings.RulesView.as_view(), name="rules"),
    path("holidays/", settings.HolidaysView.as_view(), name="holidays"),
]
