from django.urls import include, path

app_name = "plans"

urlpatterns = [
    path("import/", include("nq57.plans.import_urls")),
]
