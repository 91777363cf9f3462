"""Settings shared by every configuration. Environment values are read through settings.env only."""

from __future__ import annotations

from pathlib import Path

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from . import env

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env.data_dir()

DEBUG = False
ALLOWED_HOSTS: list[str] = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "netconduct.core",
    "netconduct.org",
    "netconduct.accounts",
    "netconduct.notifications",
    "netconduct.documents",
    "netconduct.campaigns",
    "netconduct.studies",
    "netconduct.selfcheck",
    "netconduct.pledges",
    "netconduct.registry",
    "netconduct.reports",
    "netconduct.api",
    "netconduct.home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "netconduct.accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
    "netconduct.core.middleware.SecurityHeadersMiddleware",
]

# No inline scripts or styles anywhere (templates load static files; sizes come from data-* attributes), so an
# injected <script> or style="" does nothing. data: images are the inline SVG icons and the signature's preview.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
NETCONDUCT_REQUIRES_SHARED_CACHE = (
    False  # production: REDIS_URL required, keys checked at start (core/checks.py)
)
NETCONDUCT_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

ROOT_URLCONF = "netconduct.urls"
WSGI_APPLICATION = "netconduct.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "netconduct.home.context_processors.navigation",
                "netconduct.notifications.context_processors.notifications",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "netconduct.accounts.backends.IdentifierBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after a working shift and whenever the browser is closed.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Lockout after repeated failures, per account; the cool-off lets a locked person try again later.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
# Per account, not per IP: a whole mine's shift logs in from one NAT address or WeChat's proxies, and locking an
# address would lock out everyone behind it. axes warns about exactly this choice (W006), hence the silence below.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# No access log of logins (IP and browser per login): it could be matched against the times reports were filed.
AXES_DISABLE_ACCESS_LOG = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = "网络行为规范管理平台"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Staff are warned (with the command to start a worker) when queued tasks have waited this long for one.
NETCONDUCT_TASKS_STALLED_MINUTES = 5

# Product limits.
NETCONDUCT_ROSTER_MAX_BYTES = 20 * 1024 * 1024
NETCONDUCT_ROSTER_MAX_ROWS = 200_000
NETCONDUCT_ACTIVATION_VALID_DAYS = 14
NETCONDUCT_PAGE_SIZE = 50

# No log line for the reporting pages (core/logfilters.py): a path and a time are enough, with the network's own
# records, to tell who filed a report. The embedded server's request log (django.server) keeps Django's format.
NETCONDUCT_UNLOGGED_PATHS = ["/reports/"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"unlogged_paths": {"()": "netconduct.core.logfilters.DropUnloggedPaths"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "axes": {"level": "ERROR"},
        "django.request": {"filters": ["unlogged_paths"]},
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["unlogged_paths"],
            "level": "INFO",
            "propagate": False,
        },
    },
}

# Reminders: e-mail and group robots. On the embedded default mail goes to the console unless EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL", "网络行为规范管理平台 <noreply@localhost>")
EMAIL_HOST = env.get("EMAIL_HOST", "") or ""
EMAIL_PORT = int(env.get("EMAIL_PORT", "25") or 25)
EMAIL_HOST_USER = env.get("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env.get("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env.get_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env.get_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# The public address every absolute link starts with: QR codes on pledges and activation slips, the verification
# address printed on pledges, links in e-mails and robot messages (read through core.links.absolute_url).
# quickstart sets it to the address it serves when it is not set.
SITE_URL = env.site_url()
NETCONDUCT_SITE_URL = SITE_URL  # the earlier name, still read by absolute_url when SITE_URL is empty
NETCONDUCT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

# Signed audit checkpoints (`netconduct audit-checkpoint`, and one a day from the daily run): the Ed25519 key (a PEM
# file; unset, one is generated into <data folder>/audit/checkpoint_key.pem), and where the daily copy is sent:
# these e-mail addresses, and the robots of the top units when NETCONDUCT_AUDIT_CHECKPOINT_ROBOTS is on.
NETCONDUCT_AUDIT_CHECKPOINT_KEY = env.get("NETCONDUCT_AUDIT_CHECKPOINT_KEY", "") or ""
NETCONDUCT_AUDIT_CHECKPOINT_EMAILS = env.get_list("NETCONDUCT_AUDIT_CHECKPOINT_EMAILS")
NETCONDUCT_AUDIT_CHECKPOINT_ROBOTS = env.get_bool("NETCONDUCT_AUDIT_CHECKPOINT_ROBOTS", False)

# pledges: the organisation's seal (PAdES). Unset, a root and a seal certificate are generated under
# <data folder>/seal/ at setup (`netconduct seal-init`) or on first use; production may configure its own.
NETCONDUCT_SEAL_KEY = env.get("NETCONDUCT_SEAL_KEY", "") or ""  # PEM private key file
NETCONDUCT_SEAL_CERT = env.get("NETCONDUCT_SEAL_CERT", "") or ""  # PEM certificate file (nonRepudiation)
NETCONDUCT_SEAL_ROOTS = [
    p for p in (env.get("NETCONDUCT_SEAL_ROOTS", "") or "").split(",") if p
]  # trusted roots
NETCONDUCT_SEAL_KEY_PASSPHRASE = env.get("NETCONDUCT_SEAL_KEY_PASSPHRASE", "") or ""
NETCONDUCT_SEAL_ORGANISATION = (
    env.get("NETCONDUCT_SEAL_ORGANISATION", "") or ""
)  # the generated certificate's O=
NETCONDUCT_SCAN_MAX_BYTES = 50 * 1024 * 1024  # one upload of scanned paper pledges
# Fonts built once from the bundled Noto CJK faces for per-person forms (derived data: safe to delete).
NETCONDUCT_FONT_CACHE = DATA_DIR / "cache" / "fonts"

# reports (reporting channel, article 8) and cases (article 9)
NETCONDUCT_REPORT_MAX_FILE_BYTES = int(env.get("NETCONDUCT_REPORT_MAX_FILE_BYTES") or 10 * 1024 * 1024)
NETCONDUCT_REPORT_MAX_FILES = 10
# Days allowed in each state before a report shows as overdue: 3 to start verifying + 12 of verification = 15 days
# from filing to a first decision; then 10 to close with a summary.
NETCONDUCT_REPORT_DEADLINE_DAYS = {"received": 3, "verifying": 12, "disposed": 10}
# Closed reports (text, files, replies) are purged this many days after closing (`netconduct purge-reports`).
NETCONDUCT_REPORT_RETENTION_DAYS = int(env.get("NETCONDUCT_REPORT_RETENTION_DAYS", "1095") or 1095)
# Following a report by code, counted in the cache before each check (see reports/receipts.py, README "Guessing"):
# attempts per client within the window, and per bucket (the code's first 3 digits); a bucket with more attempts
# than that in its window allows each client only `bucket_client` attempts on it. Successes do not count.
NETCONDUCT_REPORT_FOLLOW_LIMITS = {
    "client": (10, 60 * 60),
    "bucket": (20, 15 * 60),
    "bucket_client": (3, 15 * 60),
}
# Filing: per signed-in account, per client address (anonymous) and all anonymous filings together, per hour.
NETCONDUCT_REPORT_FILE_LIMITS = {
    "account": (10, 60 * 60),
    "client": (5, 60 * 60),
    "public": (100, 60 * 60),
}
# The client's address behind reverse proxies (reports/clients.py): how many proxies in front of the application
# append to which header. 0 (the default) ignores the header and uses the connection's address.
NETCONDUCT_TRUSTED_PROXIES = int(env.get("NETCONDUCT_TRUSTED_PROXIES", "0") or 0)
NETCONDUCT_CLIENT_IP_HEADER = env.get("NETCONDUCT_CLIENT_IP_HEADER", "X-Forwarded-For") or "X-Forwarded-For"
# Uploads (report and session evidence, pledge scans): the pixels an image may declare and a PDF's pages, before
# they are rebuilt from their pixels (core/uploads.py).
NETCONDUCT_UPLOAD_MAX_PIXELS = 50_000_000
NETCONDUCT_UPLOAD_MAX_PDF_PAGES = 50
# argon2id cost of passphrases (argon2-cffi's defaults: about 0.1 s and 64 MiB per hash) and of receipt codes (16
# random digits need less, and following verifies every code of a bucket: about 25 ms and 16 MiB)
NETCONDUCT_REPORT_ARGON2 = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
NETCONDUCT_REPORT_CODE_ARGON2 = {"time_cost": 2, "memory_cost": 16384, "parallelism": 2}
NETCONDUCT_CASE_STATEMENT_DAYS = 7  # the person concerned answers within this many days
NETCONDUCT_CASE_APPEAL_DAYS = 30  # and may appeal a decision within this many days

# registry (official-capacity accounts and groups, article 7)
# Personal accounts above these sizes are flagged for filing even when not in official capacity (a unit's 备案设置
# may set its own); changes are to be filed within NETCONDUCT_REGISTRY_CHANGE_DAYS days.
NETCONDUCT_REGISTRY_FOLLOWER_THRESHOLD = int(
    env.get("NETCONDUCT_REGISTRY_FOLLOWER_THRESHOLD", "100000") or 100000
)
NETCONDUCT_REGISTRY_GROUP_THRESHOLD = int(env.get("NETCONDUCT_REGISTRY_GROUP_THRESHOLD", "400") or 400)
NETCONDUCT_REGISTRY_CHANGE_DAYS = 30
NETCONDUCT_REGISTRY_IMPORT_MAX_ROWS = 5000
