import pytest

from onboarding import sample


@pytest.fixture(autouse=True)
def _tiny_sample(monkeypatch):
    """The generator's smallest workspace: the same code path, in a fraction of the time."""
    monkeypatch.setattr(sample, "SAMPLE_SCALE", "tiny")
