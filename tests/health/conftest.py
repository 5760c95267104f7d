from tests.tracking.conftest import send, site_key  # noqa: F401 (fixtures)
