"""Unsubscribe links: a signed recipient id, good without login and without expiry."""

from __future__ import annotations

from django.core import signing

SALT = "reports.unsubscribe"


def unsubscribe_token(recipient_id: int) -> str:
    return signing.dumps(recipient_id, salt=SALT, compress=False)


def recipient_id_from(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
