from . import urls_council, urls_public, urls_staff

app_name = "feedback"

urlpatterns = urls_public.urlpatterns + urls_staff.urlpatterns + urls_council.urlpatterns
