"""The ingestion tests' fixtures (two workspaces with references, `post`), for the tenancy sweeps here."""

from tests.campaigns.conftest import other_refs, post, refs  # noqa: F401
