"""Every environment variable the project reads, with its default.

This is the one list: settings read variables only through `env()`, and the
README's configuration table is checked against `VARIABLES` by a test.
"""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    help: str


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in [
        Variable(
            "DJANGO_SETTINGS_MODULE",
            "config.settings.local",
            "settings module: config.settings.local, .test or .production",
        ),
        Variable("SECRET_KEY", "", "signing key; required in production (a fixed development key is used otherwise)"),
        Variable("DEBUG", "true (local), false (production)", "show tracebacks; never true in production"),
        Variable("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]", "comma-separated host names the site answers to"),
        Variable("CSRF_TRUSTED_ORIGINS", "", "comma-separated origins (https://app.example.com) allowed to POST forms"),
        Variable(
            "DATABASE_URL", "sqlite:///db.sqlite3", "database; postgres://user:pass@host:5432/name for PostgreSQL"
        ),
        Variable(
            "CELERY_BROKER_URL",
            "",
            "broker URL (redis://127.0.0.1:6379/0 or amqp://guest:guest@127.0.0.1:5672//); empty = tasks run in-process",
        ),
        Variable("CELERY_RESULT_BACKEND", "", "result backend URL; empty = no results are stored"),
        Variable(
            "CELERY_QUEUE", "celery", "queue the tasks go to and workers read; one per deployment sharing a broker"
        ),
        Variable(
            "CELERY_HEAVY_QUEUE",
            "",
            "queue of full recomputes and other whole-workspace work; empty = CELERY_QUEUE + '.heavy'",
        ),
        Variable(
            "EMAIL_URL",
            "console://",
            "outgoing mail: console:// prints mail; smtp://user:pass@host:587 or smtp+tls://... sends it",
        ),
        Variable("DEFAULT_FROM_EMAIL", "no-reply@localhost", "sender address of invitations and password resets"),
        Variable("SITE_URL", "http://127.0.0.1:8000", "absolute base URL used in links sent by email"),
        Variable("ALERT_WEBHOOK_ALLOW_PRIVATE", "", "1: alert webhooks may go to http and private hosts"),
        Variable("SECURE_SSL_REDIRECT", "true (production)", "redirect plain HTTP to HTTPS in production"),
        Variable("SECURE_HSTS_SECONDS", "31536000 (production)", "HSTS max-age in production"),
        Variable("LOG_LEVEL", "INFO", "root log level"),
        Variable("API_THROTTLE_RATE", "6000/min", "requests per API key; over it the API answers 429 with Retry-After"),
        Variable(
            "TRACKING_ADDRESS_RATE", "600/min", "tracking events per client address; over it the collector answers 429"
        ),
        Variable("TRACKING_SITE_RATE", "60000/min", "tracking events per site key; over it the collector answers 429"),
        Variable(
            "API_MAX_BODY_BYTES",
            "5242880",
            "largest API request body accepted (bytes); bigger ones are refused with 413 before being read",
        ),
        Variable(
            "CACHE_URL",
            "",
            "shared cache (redis://127.0.0.1:6379/1) for rate limits across web processes; empty = local memory",
        ),
        Variable(
            "APP_DB_ROLE",
            "",
            "PostgreSQL role the app connects as; migrate (run as the tables' owner) grants it row access",
        ),
        Variable(
            "AUDIT_RETENTION_DAYS",
            "400",
            "days the audit log keeps an entry (at least 30); a nightly task deletes older ones",
        ),
        Variable("LOGIN_FAILURE_LIMIT", "10", "failed logins for one account or address before it is locked out"),
        Variable("LOGIN_COOLOFF_MINUTES", "15", "how long a login lockout lasts"),
        Variable(
            "MEDIA_STORAGE",
            "django.core.files.storage.FileSystemStorage",
            "Django storage backend of uploaded logos; the default keeps files under MEDIA_ROOT",
        ),
        Variable("MEDIA_ROOT", "media/ in the checkout", "directory of uploaded logos (local storage)"),
        Variable("MEDIA_URL", "/media/", "URL prefix of uploaded logos"),
        Variable(
            "SERVE_MEDIA",
            "true",
            "let Django serve uploaded logos under MEDIA_URL/brand/; false when the web server or the storage serves them",
        ),
        Variable(
            "TRUSTED_PROXIES",
            "",
            "comma-separated addresses or networks (10.0.0.5, 10.0.0.0/8) of the reverse proxies in front of the"
            " app, whose X-Forwarded-For gives the client address; empty = no proxy, the header is ignored",
        ),
        Variable("GOOGLE_CLIENT_ID", "", 'OAuth client id for "Sign in with Google"; empty = no Google button'),
        Variable("GOOGLE_CLIENT_SECRET", "", "that client's secret"),
        Variable(
            "GOOGLE_OIDC_URL", "https://accounts.google.com", "Google's OpenID Connect issuer (tests: a fake one)"
        ),
        Variable("MICROSOFT_CLIENT_ID", "", 'Entra ID application id for "Sign in with Microsoft"; empty = no button'),
        Variable("MICROSOFT_CLIENT_SECRET", "", "that application's client secret"),
        Variable("MICROSOFT_TENANT_ID", "", "the Entra ID tenant (directory) id whose accounts may sign in; required"),
        Variable("MICROSOFT_OIDC_URL", "", "overrides the issuer built from the tenant (tests: a fake one)"),
        Variable("MFA_TOTP_ISSUER", "Pulse KPI", "name authenticator apps show next to the code"),
        Variable(
            "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN",
            "false",
            "allow passkeys over plain http (development on localhost only)",
        ),
    ]
}


def env(name: str, fallback: str | None = None) -> str:
    """Read a documented variable; `fallback` applies when it is unset or empty."""
    if name not in VARIABLES:
        raise KeyError(f"{name} is not documented in config/env.py")
    value = os.environ.get(name, "")
    return value if value != "" else (fallback if fallback is not None else "")


def env_bool(name: str, fallback: bool) -> bool:
    value = env(name)
    if value == "":
        return fallback
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, fallback: str = "") -> list[str]:
    return [item.strip() for item in env(name, fallback).split(",") if item.strip()]
