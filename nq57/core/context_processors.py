from django.conf import settings

from .permissions import can_anywhere
from .roles import Action


def platform(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)

    def holds(action):
        return signed_in and can_anywhere(user, action)

    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "can_manage_users": holds(Action.MANAGE_USERS),
        # Dashboards and reports: every role holder who may view some part of the map.
        "can_view_dashboards": holds(Action.VIEW),
        # Feedback menu: the standing office triages, agencies answer, council members evaluate.
        "can_triage_feedback": holds(Action.ASSIGN),
        "can_handle_feedback": holds(Action.REPORT) or holds(Action.APPROVE),
        "can_evaluate": holds(Action.EVALUATE),
    }
