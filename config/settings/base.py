"""Settings shared by every environment; values come from config/env.py."""

import ipaddress
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# A fixed key for development only; production.py refuses to start without one.
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "accounts",
    "campaigns",
    "kpis",
    "sampledata",
    "sharing",
    "reports",
    "tracking",
    "health",
    "onboarding",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "campaigns.middleware.ApiBodySizeLimitMiddleware",
    # Early: a tracking event too big or from an address over its budget costs nothing further.
    "tracking.middleware.CollectorGateMiddleware",
    "campaigns.middleware.NulByteMiddleware",
    # Early: an API request certain to be refused (its workspace's budget spent) costs nothing further.
    "accounts.ratelimit.ApiRateLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.TenantScopeResetMiddleware",
    "accounts.audit.AuditRequestMiddleware",
    # After CommonMiddleware refused hosts outside ALLOWED_HOSTS: an agency's own host name → its brand.
    "accounts.middleware.BrandHostMiddleware",
    "axes.middleware.AxesMiddleware",
    # Staff of an agency that requires a second factor set one up before anything else (accounts/second_factor.py).
    "accounts.second_factor.SecondFactorRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.navigation",
                "accounts.context_processors.brand",
            ],
        },
    }
]

# How long a SQLite connection waits for another's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_SECONDS = 20
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend plus the per-transaction workspace setting row-level security reads.
    DATABASES["default"]["ENGINE"] = "config.db.postgresql"
# The ordinary role the app connects as; migrate (run as the owner) grants it DML (docs/security.md).
APP_DB_ROLE = env("APP_DB_ROLE")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default, safe for a handful of concurrent clients: WAL lets readers go on
    # while one writer writes; a transaction begins IMMEDIATE (takes the write lock at BEGIN,
    # waiting up to `timeout` seconds for it), since a deferred one that read first cannot
    # wait for the lock when it comes to write and fails at once with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Signs in SSO identities and finishes logins paused for a second factor (django-allauth).
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_TTL_DAYS = 7
# The audit log keeps an entry this long (accounts/audit.py); the purge function never goes below 30.
AUDIT_RETENTION_DAYS = max(30, int(env("AUDIT_RETENTION_DAYS", "400")))
# Import jobs never confirmed are deleted (with their file's text) after this many days (campaigns/retention.py).
DRAFT_IMPORT_RETENTION_DAYS = 7

# The reverse proxies (TLS terminator, load balancer) whose X-Forwarded-For is believed (accounts/network.py).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
try:
    for _proxy in TRUSTED_PROXIES:
        ipaddress.ip_network(_proxy, strict=False)
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None

# Login throttling (django-axes): lock by account and by client address, each on its own (accounts/lockout.py).
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = int(env("LOGIN_COOLOFF_MINUTES", "15")) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_address"
AXES_HANDLER = "accounts.lockout.LockoutHandler"
# A success forgives only that account's own failures from that address (LockoutHandler).
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A refused form gets the site's own 403 page (what happened, that nothing was saved, what to do).
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Scripts and styles only from our own static files (Chart.js is vendored, no CDN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # A nonce only on pages that print an agency's colours (one inline <style>, base.html).
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # A sign-in button posts here and is redirected on to the identity provider (SSO_FORM_ACTIONS below).
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Single sign-on and second factor (django-allauth; docs/security.md). The project's own pages sign in
# with a password (/login/); allauth adds SSO, TOTP, passkeys and recovery codes under /accounts/.
ACCOUNT_ADAPTER = "accounts.sso.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.sso.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "accounts.sso.SsoSignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
# An SSO identity whose provider vouches for its email signs in to the account of that email.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Pulse KPI")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", False)
SSO_PROVIDERS = {
    "google": {
        "name": "Google",
        "client_id": env("GOOGLE_CLIENT_ID"),
        "secret": env("GOOGLE_CLIENT_SECRET"),
        "server_url": env("GOOGLE_OIDC_URL", "https://accounts.google.com"),
    },
    "microsoft": {
        "name": "Microsoft",
        "client_id": env("MICROSOFT_CLIENT_ID"),
        "secret": env("MICROSOFT_CLIENT_SECRET"),
        # One tenant's issuer: "common" has no single issuer to check the id_token against.
        "server_url": env("MICROSOFT_OIDC_URL")
        or (env("MICROSOFT_TENANT_ID") and f"https://login.microsoftonline.com/{env('MICROSOFT_TENANT_ID')}/v2.0"),
    },
}
# A provider is on only with its client id and secret: no button is shown for the others.
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": provider_id,
                "name": conf["name"],
                "client_id": conf["client_id"],
                "secret": conf["secret"],
                "settings": {"server_url": conf["server_url"]},
            }
            for provider_id, conf in SSO_PROVIDERS.items()
            if conf["client_id"] and conf["secret"] and conf["server_url"]
        ],
    }
}
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += [
    f"{urlparse(app['settings']['server_url']).scheme}://{urlparse(app['settings']['server_url']).netloc}"
    for app in SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
]

# Share links (sharing/guards.py): requests per link per window of seconds (a page and its charts are
# about ten), and wrong passwords per link and client address before the form refuses for the window.
SHARE_LINK_RATE_LIMIT = (300, 60)
SHARE_LINK_PASSWORD_FAILURES = (5, 15 * 60)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded files (agency and client logos): local files under MEDIA_ROOT unless MEDIA_STORAGE names
    # another Django storage backend (e.g. storages.backends.s3.S3Storage, configured by its own variables).
    "default": {"BACKEND": env("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env("MEDIA_ROOT", str(BASE_DIR / "media"))
MEDIA_URL = env("MEDIA_URL", "/media/")
# Django itself serves uploaded logos (MEDIA_URL/brand/…) unless the web server or the storage does.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)


def _email_settings(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme in ("", "console"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or 25,
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": parsed.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
    }


globals().update(_email_settings(env("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "no-reply@localhost")
# Alert webhooks may go to http:// and private or loopback addresses (local testing only; README, Alerts).
ALERT_WEBHOOK_ALLOW_PRIVATE = env("ALERT_WEBHOOK_ALLOW_PRIVATE", "") == "1"

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "celery")
# Full recomputes and other whole-workspace work go to a queue of their own (config/celery_app.py);
# empty: the default queue's name suffixed ".heavy".
CELERY_HEAVY_QUEUE = env("CELERY_HEAVY_QUEUE", "")
CELERY_TASK_ROUTES = ("config.celery_app.route_task",)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.authentication.HasWorkspaceKey"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["campaigns.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "campaigns.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["accounts.authentication.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env("API_THROTTLE_RATE", "6000/min")},
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 100,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Marketing KPI platform API",
    "DESCRIPTION": "Push campaigns, spend, accounts, leads, deals and touchpoints; read KPIs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# API request bodies over this size are refused with 413 before being read.
API_MAX_BODY_BYTES = int(env("API_MAX_BODY_BYTES", "5242880"))
DATA_UPLOAD_MAX_MEMORY_SIZE = max(API_MAX_BODY_BYTES, 2621440)

# The tracking collector's budgets (tracking.ratelimit): events per client address and per site key.
TRACKING_ADDRESS_RATE = env("TRACKING_ADDRESS_RATE", "600/min")
TRACKING_SITE_RATE = env("TRACKING_SITE_RATE", "60000/min")

# Shared by every web process when set (rate limits, task coalescing); local memory otherwise.
CACHE_URL = env("CACHE_URL")
if CACHE_URL:
    # Django's Redis backend, reusing its redis-py client (config/cache.py).
    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A refused request (429) is the rate limit doing its job: logging each one would let a
    # flooding client write a hundred lines a second.
    "filters": {
        "not_throttled": {"()": "django.utils.log.CallbackFilter", "callback": "ext://config.logs.not_throttled"}
    },
    # The level is on the handler too: Django's own loggers (django.request…) propagate here at theirs.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "level": LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # WeasyPrint logs each layout step at INFO: a worker sending reports would log little else.
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["not_throttled"]},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
AXES_VERBOSE = False
# In development, serve static files straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# The KPI engine's guard against drift: a full recompute of every workspace, nightly.
CELERY_BEAT_SCHEDULE = {
    "kpis-recompute-all-workspaces": {
        "task": "kpis.recompute_all_workspaces",
        "schedule": crontab(hour=3, minute=17),
    },
    # Scheduled reports: claim the due periods and send them (reports/schedules.py).
    "reports-send-due": {
        "task": "reports.send_due",
        "schedule": crontab(minute="*/5"),
    },
    # Workspace exports' download links last 24 hours; their files go within the hour after.
    "accounts-purge-expired-exports": {
        "task": "accounts.purge_expired_exports",
        "schedule": crontab(minute=41),
    },
    # Daily digests: each opted-in person's, once their local hour has come (health/digest.py).
    "health-send-digests": {
        "task": "health.send_digests",
        "schedule": crontab(minute="*/15"),
    },
    # Retention (docs/security.md): the audit log past AUDIT_RETENTION_DAYS, each workspace's touchpoints past its
    # own setting, idempotency keys past their 24 hours, import drafts never confirmed.
    "accounts-purge-audit-log": {
        "task": "accounts.purge_audit_log",
        "schedule": crontab(hour=2, minute=23),
    },
    "campaigns-purge-retention": {
        "task": "campaigns.purge_retention",
        "schedule": crontab(hour=2, minute=47),
    },
}
