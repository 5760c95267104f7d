from tests.reports.test_schedules import smtp  # noqa: F401 (fixture: a real local SMTP server)
from tests.tracking.conftest import send, site_key  # noqa: F401 (fixtures)
