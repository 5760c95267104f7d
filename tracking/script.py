"""The tracking snippet's script (tracking/js/t.js), read once, with its version (a hash of its content)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

SCRIPT_PATH = Path(__file__).resolve().parent / "js" / "t.js"


@functools.cache
def script() -> tuple[bytes, str]:
    """The script's bytes and its version (the ETag, and the ?v= of the versioned URL)."""
    content = SCRIPT_PATH.read_bytes()
    return content, hashlib.sha256(content).hexdigest()[:16]


def snippet(*, base_url: str, token: str) -> str:
    """The tag a workspace admin pastes into the site's pages."""
    return f'<script defer src="{base_url}/t.js" data-site="{token}"></script>'
