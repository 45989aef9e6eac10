from django.conf import settings

from .permissions import can_anywhere
from .roles import Action


def platform(request):
    user = getattr(request, "user", None)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "can_manage_users": bool(user and user.is_authenticated and can_anywhere(user, Action.MANAGE_USERS)),
    }
