import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import VARIABLES

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 60 + "-not-a-real-secret-but-long-and-random-enough-0123456789",
    "ALLOWED_HOSTS": "kpi.example.com",
    "DATABASE_URL": "sqlite:///unused.sqlite3",
    # The product's own host: pages on it never look up an agency's host name (accounts/middleware.py).
    "SITE_URL": "https://kpi.example.com",
}


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    # A fresh process as an operator would start it: none of our variables, nor test-only switches.
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_a_required_variable(missing):
    result = run_manage("check", env={k: v for k, v in PRODUCTION_ENV.items() if k != missing})
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_embedded_default_is_sqlite_with_in_process_tasks():
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, s.PASSWORD_HASHERS[0])"
    )
    result = run_manage("shell", "-c", code, env={"DJANGO_SETTINGS_MODULE": "config.settings.local"})
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ], result.stderr


def test_environment_switches_database_broker_and_mail():
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": "postgres://u:p@db.internal:5432/kpi",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
    }
    result = run_manage("shell", "-c", code, env=env)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "config.db.postgresql",
        "False",
        "smtp.example.com",
        "587",
        "True",
    ], result.stderr


def test_every_variable_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    undocumented = [name for name in VARIABLES if not re.search(rf"`{name}`", readme)]
    assert not undocumented, f"README's configuration table lacks {undocumented}"


def test_settings_read_no_undocumented_variable():
    sources = "".join(p.read_text() for p in (ROOT / "config").rglob("*.py"))
    read = set(re.findall(r"os\.environ(?:\.get)?\(\s*[\"'](\w+)", sources)) | set(
        re.findall(r"env(?:_bool|_list)?\(\s*[\"'](\w+)", sources)
    )
    assert read <= set(VARIABLES), read - set(VARIABLES)


def test_no_secret_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    offenders = []
    for name in tracked:
        path = ROOT / name
        if path.suffix in {".py", ".txt", ".md", ".toml", ".cfg", ".env", ".json", ".yml", ".yaml"} and path.is_file():
            text = path.read_text(errors="ignore")
            if re.search(r"\bmk_[0-9a-f]{8}_[A-Za-z0-9_-]{40,}", text) or "BEGIN " + "PRIVATE KEY" in text:
                offenders.append(name)
    assert offenders == []
