from django.utils.functional import SimpleLazyObject

from .services import unread_count


def notifications(request):
    """`unread_notifications` for the header; counted only when a template actually shows it."""
    user = getattr(request, "user", None)
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
