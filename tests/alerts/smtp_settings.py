"""The test settings of a worker process that sends its mail to a test's local SMTP server (test_worker.py)."""

import os

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST, EMAIL_PORT = "127.0.0.1", int(os.environ["SMTP_PORT"])
