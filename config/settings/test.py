"""Test settings: the same stack as local, with fast hashing and captured mail."""

import os
import tempfile

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded logos of a test run go to a directory of its own, never into the checkout.
MEDIA_ROOT = os.path.join(tempfile.gettempdir(), f"pulse-test-media-{os.getpid()}")
AXES_ENABLED = True
# Tasks run in-process in tests; the broker test switches this off for itself.
CELERY_TASK_ALWAYS_EAGER = True
# A queue of this test run's own (its workers are told it), so two runs on one Redis never swap tasks.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", f"test-{os.getpid()}")
# Alert webhooks to the tests' local receivers (http on 127.0.0.1).
ALERT_WEBHOOK_ALLOW_PRIVATE = True
