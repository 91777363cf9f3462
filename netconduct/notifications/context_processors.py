from django.utils.functional import SimpleLazyObject

from .selectors import notification_unread_count


def notifications(request):
    """`unread_notifications` for the navbar's bell: counted only when a template shows it (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: notification_unread_count(user=user))}
