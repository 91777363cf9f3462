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
    "netconduct.core",  # before django_tasks_db: its db_worker command (core/management) warms the apps up first
    "django_tasks",
    "django_tasks_db",
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
    "netconduct.evidence",
    "netconduct.api",
    "netconduct.webhooks",
    "netconduct.backup",
    "netconduct.ops",
    "netconduct.home",
]

MIDDLEWARE = [
    "netconduct.ops.middleware.RequestIdMiddleware",  # first: request id and timing of everything below
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "netconduct.accounts.middleware.AccountLanguageMiddleware",  # the account's language over the browser's
    "django_otp.middleware.OTPMiddleware",
    "netconduct.accounts.middleware.RequireSecondFactorMiddleware",
    "netconduct.accounts.inapp.InAppSigninMiddleware",  # opened inside WeCom / DingTalk: sign in through the app
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

# Sign-in through the organisation's directory (LDAP / Active Directory): off unless NETCONDUCT_LDAP_URI is set; the
# local password stays as the fallback. See accounts/ldap.py and the README's "LDAP / AD" section.
NETCONDUCT_LDAP_URI = env.get("NETCONDUCT_LDAP_URI", "") or ""  # ldap://host:389 or ldaps://host:636
NETCONDUCT_LDAP_BIND_DN = env.get("NETCONDUCT_LDAP_BIND_DN", "") or ""  # the service account that searches
NETCONDUCT_LDAP_BIND_PASSWORD = env.get("NETCONDUCT_LDAP_BIND_PASSWORD", "") or ""
NETCONDUCT_LDAP_USER_BASE = env.get("NETCONDUCT_LDAP_USER_BASE", "") or ""
NETCONDUCT_LDAP_USER_FILTER = env.get("NETCONDUCT_LDAP_USER_FILTER", "(uid=%(user)s)") or "(uid=%(user)s)"
NETCONDUCT_LDAP_START_TLS = env.get_bool("NETCONDUCT_LDAP_START_TLS")
NETCONDUCT_LDAP_CA_FILE = env.get("NETCONDUCT_LDAP_CA_FILE", "") or ""  # PEM; the system's CAs when empty
NETCONDUCT_LDAP_ATTRS = {
    "employee_no": env.get("NETCONDUCT_LDAP_ATTR_EMPLOYEE_NO", "employeeNumber") or "",
    "mobile": env.get("NETCONDUCT_LDAP_ATTR_MOBILE", "mobile") or "",
    "email": env.get("NETCONDUCT_LDAP_ATTR_EMAIL", "mail") or "",
    "name": env.get("NETCONDUCT_LDAP_ATTR_NAME", "cn") or "",
}
NETCONDUCT_LDAP_SYNC = env.get_list("NETCONDUCT_LDAP_SYNC", ["email"])  # of: email, name
NETCONDUCT_LDAP_GROUP_BASE = env.get("NETCONDUCT_LDAP_GROUP_BASE", "") or ""  # where groups are searched
NETCONDUCT_LDAP_GROUP_TYPE = (
    env.get("NETCONDUCT_LDAP_GROUP_TYPE", "groupOfNames") or "groupOfNames"
)  # or activeDirectory
NETCONDUCT_LDAP_GROUP_ROLES = env.ldap_group_roles(env.get("NETCONDUCT_LDAP_GROUP_ROLES"))  # off when empty
if NETCONDUCT_LDAP_URI:
    AUTHENTICATION_BACKENDS.append("netconduct.accounts.ldap_backend.DirectoryBackend")

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
# Dates per language (netconduct/formats/<language>/formats.py); templates use DATE_FORMAT etc., never "Y年n月j日".
FORMAT_MODULE_PATH = ["netconduct.formats"]
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
# /readyz: a worker counts as present when seen within these minutes (or when nothing has waited past the threshold
# above). /metrics: with a token, `Authorization: Bearer <token>` from anywhere; without, direct loopback only.
NETCONDUCT_WORKER_SEEN_MINUTES = int(env.get("NETCONDUCT_WORKER_SEEN_MINUTES", "15") or 15)
NETCONDUCT_METRICS_TOKEN = env.get("NETCONDUCT_METRICS_TOKEN", "") or ""

# Product limits.
NETCONDUCT_ROSTER_MAX_BYTES = 20 * 1024 * 1024
NETCONDUCT_ROSTER_MAX_ROWS = 200_000
NETCONDUCT_ACTIVATION_VALID_DAYS = 14
NETCONDUCT_PAGE_SIZE = 50
NETCONDUCT_BULK_ROWS = 10_000  # rows per bulk statement, keys per IN list, deliveries per claim (core.db)

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
# The RFC 3161 time-stamping authority that times each seal (PAdES B-LTA). Unset, the data folder's own responder
# (OpenSSL's `ts` behind a loopback HTTP server, certificate issued by the seal's root) runs inside the process.
SEAL_TSA_URL = env.get("SEAL_TSA_URL", "") or ""
SEAL_TSA_USERNAME = env.get("SEAL_TSA_USERNAME", "") or ""
SEAL_TSA_PASSWORD = env.get("SEAL_TSA_PASSWORD", "") or ""
SEAL_TSA_ROOTS = [
    p for p in (env.get("SEAL_TSA_ROOTS", "") or "").split(",") if p
]  # an external TSA's roots (PEM)
SEAL_TSA_TIMEOUT = float(env.get("SEAL_TSA_TIMEOUT") or 10)  # seconds
SEAL_TSA_LTA = env.get_bool("SEAL_TSA_LTA", True)  # add the document timestamp (B-LTA); off: B-LT
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

# Sign-in through WeCom (企业微信) and DingTalk (钉钉): off until the app's id and secret are set. The secrets are read
# here only, sent only to the platform's token endpoint, and never logged. The API hosts can be pointed elsewhere
# (a proxy, or the tests' local fake platform).
NETCONDUCT_WECOM_CORP_ID = env.get("NETCONDUCT_WECOM_CORP_ID", "") or ""
NETCONDUCT_WECOM_AGENT_ID = env.get("NETCONDUCT_WECOM_AGENT_ID", "") or ""
NETCONDUCT_WECOM_SECRET = env.get("NETCONDUCT_WECOM_SECRET", "") or ""
NETCONDUCT_WECOM_API_BASE = env.get("NETCONDUCT_WECOM_API_BASE", "https://qyapi.weixin.qq.com") or ""
NETCONDUCT_WECOM_AUTHORIZE_URL = (
    env.get("NETCONDUCT_WECOM_AUTHORIZE_URL", "https://open.weixin.qq.com/connect/oauth2/authorize") or ""
)
NETCONDUCT_WECOM_QR_URL = (
    env.get("NETCONDUCT_WECOM_QR_URL", "https://login.work.weixin.qq.com/wwlogin/sso/login") or ""
)
NETCONDUCT_WECOM_SCOPE = env.choice(
    "NETCONDUCT_WECOM_SCOPE", ("snsapi_base", "snsapi_privateinfo"), "snsapi_base"
)
NETCONDUCT_WECOM_MATCH = env.choice("NETCONDUCT_WECOM_MATCH", ("mobile", "employee_no"), "mobile")
NETCONDUCT_DINGTALK_APP_KEY = env.get("NETCONDUCT_DINGTALK_APP_KEY", "") or ""
NETCONDUCT_DINGTALK_APP_SECRET = env.get("NETCONDUCT_DINGTALK_APP_SECRET", "") or ""
NETCONDUCT_DINGTALK_CORP_ID = env.get("NETCONDUCT_DINGTALK_CORP_ID", "") or ""
NETCONDUCT_DINGTALK_API_BASE = env.get("NETCONDUCT_DINGTALK_API_BASE", "https://oapi.dingtalk.com") or ""
NETCONDUCT_DINGTALK_OPENAPI_BASE = (
    env.get("NETCONDUCT_DINGTALK_OPENAPI_BASE", "https://api.dingtalk.com") or ""
)
NETCONDUCT_DINGTALK_AUTHORIZE_URL = (
    env.get("NETCONDUCT_DINGTALK_AUTHORIZE_URL", "https://login.dingtalk.com/oauth2/auth") or ""
)
NETCONDUCT_DINGTALK_MATCH = env.choice("NETCONDUCT_DINGTALK_MATCH", ("mobile", "employee_no"), "mobile")
# Sign-in through the group's identity platform (OpenID Connect, authorization code flow with PKCE): off unless
# OIDC_CLIENT_ID and OIDC_ISSUER (or the three explicit endpoints) are set. See accounts/oidc.py.
OIDC_ISSUER = (
    env.get("OIDC_ISSUER", "") or ""
)  # endpoints discovered at <issuer>/.well-known/openid-configuration
OIDC_AUTHORIZATION_ENDPOINT = env.get("OIDC_AUTHORIZATION_ENDPOINT", "") or ""  # each overrides discovery
OIDC_TOKEN_ENDPOINT = env.get("OIDC_TOKEN_ENDPOINT", "") or ""
OIDC_JWKS_URI = env.get("OIDC_JWKS_URI", "") or ""
OIDC_USERINFO_ENDPOINT = env.get("OIDC_USERINFO_ENDPOINT", "") or ""
OIDC_END_SESSION_ENDPOINT = env.get("OIDC_END_SESSION_ENDPOINT", "") or ""
OIDC_CLIENT_ID = env.get("OIDC_CLIENT_ID", "") or ""
OIDC_CLIENT_SECRET = env.get("OIDC_CLIENT_SECRET", "") or ""
OIDC_SCOPES = env.get("OIDC_SCOPES", "openid profile phone") or "openid profile phone"
OIDC_CLAIM_EMPLOYEE_NUMBER = env.get("OIDC_CLAIM_EMPLOYEE_NUMBER", "employee_number") or "employee_number"
OIDC_CLAIM_MOBILE = env.get("OIDC_CLAIM_MOBILE", "phone_number") or "phone_number"
OIDC_TIMEOUT = int(env.get("OIDC_TIMEOUT", "10") or 10)  # seconds, for each call to the provider

# Backups (`netconduct backup` / `netconduct restore`, backup/): the scheduled backup runs daily at
# NETCONDUCT_BACKUP_TIME (Beijing time) when both the folder and the passphrase are set, and keeps the newest
# NETCONDUCT_BACKUP_KEEP files. The passphrase protects everything in the file, keys included: keep it elsewhere.
NETCONDUCT_BACKUP_DIR = env.get("NETCONDUCT_BACKUP_DIR", "") or ""
NETCONDUCT_BACKUP_PASSPHRASE = env.get("NETCONDUCT_BACKUP_PASSPHRASE", "") or ""
NETCONDUCT_BACKUP_KEEP = int(env.get("NETCONDUCT_BACKUP_KEEP", "7") or 7)
NETCONDUCT_BACKUP_TIME = env.get("NETCONDUCT_BACKUP_TIME", "02:00") or "02:00"
NETCONDUCT_PG_BIN = env.get("NETCONDUCT_PG_BIN", "") or ""  # where pg_dump/pg_restore are; found when empty
