import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netconduct.settings.production")
application = get_wsgi_application()

# gunicorn runs no system checks: in production, refuse to serve with keys or settings `check --deploy` fails on.
from netconduct.core.checks import deployment_keys_check  # noqa: E402 (needs the app registry ready)

_errors = deployment_keys_check() if settings.NETCONDUCT_REQUIRES_SHARED_CACHE else []
if _errors:
    raise ImproperlyConfigured("; ".join(f"{e.id}: {e.msg}" for e in _errors))
