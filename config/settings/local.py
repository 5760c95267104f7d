"""The embedded default: SQLite, tasks in-process, mail printed to the console."""

from config.settings.base import *  # noqa: F403
