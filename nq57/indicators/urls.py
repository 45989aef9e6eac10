from django.urls import path

from .views import entry, importing, index, settings, targets, tokens, values, xlsx

app_name = "indicators"

urlpatterns = [
    path("", index.KpiIndexView.as_view(), name="index"),
    path("inbox/", entry.InboxView.as_view(), name="inbox"),
    path("import/", importing.ImportView.as_view(), name="import"),
    path("tokens/", tokens.TokenListView.as_view(), name="tokens"),
    path("new/", settings.IndicatorCreateView.as_view(), name="new"),
    path("<int:pk>/", index.IndicatorDetailView.as_view(), name="detail"),
    path("<int:pk>/compare/", index.CompareView.as_view(), name="compare"),
    path("<int:pk>/targets/", targets.TargetsView.as_view(), name="targets"),
    path("<int:pk>/settings/", settings.IndicatorSettingsView.as_view(), name="settings"),
    path("entry/<int:org>/", entry.EntryView.as_view(), name="entry"),
    path("entry/<int:org>/template.xlsx", xlsx.TemplateView.as_view(), name="template"),
    path("entry/<int:org>/upload/", xlsx.UploadView.as_view(), name="upload"),
    path("values/<int:pk>/", values.ValueView.as_view(), name="value"),
]
