"""`Idempotency-Key` on POSTs: a retry of the same request gets the first answer, written once.

The first request claims the key (a row, unique per workspace) inside the same
transaction as its writes, and stores its answer there before committing: the
answer returned is the one committed, and a transaction the database undoes (a
deadlock, a busy SQLite) is run again whole, claim included. A
concurrent request with the same key blocks on that row until the first one
ends: if it committed, the second replays its answer; if it rolled back (the
request was invalid), the key is free again. The same key with a different
request is refused (422). Only successful answers are stored: an invalid
request writes nothing, so retrying it simply fails again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from campaigns.models import IdempotentRequest
from campaigns.services import run_in_transaction

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
# Keys are remembered this long; after that a key may be used again.
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyKeyInvalid(Exception):
    pass


class IdempotencyKeyReused(Exception):
    """The key was already used for a different request."""


class IdempotencyKeyInFlight(Exception):
    """Another request with this key has not finished yet."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool = False


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise IdempotencyKeyInvalid(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters (a UUID is a good choice)."
        )
    return key


def _replay(record: IdempotentRequest, fingerprint: str) -> Answer:
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            f"This {HEADER} was already used for a different request; use a new key for a new request."
        )
    if not record.status_code:
        raise IdempotencyKeyInFlight(f"A request with this {HEADER} is still being processed; retry shortly.")
    return Answer(status=record.status_code, body=record.response, replayed=True)


def _expired_before() -> datetime:
    return timezone.now() - TTL


def idempotent_call(*, workspace: Workspace, key: str, fingerprint: str, perform: Callable[[], Answer]) -> Answer:
    """Run `perform` once per (workspace, key); replay its stored answer to retries.

    The claim, `perform`'s writes and the stored answer are one transaction,
    run again whole if the database undoes it for a concurrent one (a deadlock,
    a busy SQLite): the key is claimed again with it, so never left half-used.
    """
    validate_key(key)
    with workspace_scope(workspace):
        return run_in_transaction(lambda: _claim_and_perform(key, fingerprint, perform))


def _claim_and_perform(key: str, fingerprint: str, perform: Callable[[], Answer]) -> Answer:
    IdempotentRequest.objects.filter(key=key, created_at__lt=_expired_before()).delete()
    record = IdempotentRequest.objects.filter(key=key).first()
    if record is not None:
        return _replay(record, fingerprint)
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(key=key, request_hash=fingerprint)
    except IntegrityError:
        # A concurrent request claimed the key and has committed by now.
        existing = IdempotentRequest.objects.filter(key=key).first()
        if existing is None:
            raise IdempotencyKeyInFlight(
                f"A request with this {HEADER} is still being processed; retry shortly."
            ) from None
        return _replay(existing, fingerprint)
    answer = perform()
    record.status_code = answer.status
    record.response = answer.body
    record.save(update_fields=["status_code", "response"])
    return answer


def idempotency_purge(*, older_than: timedelta = TTL) -> int:
    """Forget keys older than `older_than`, in every workspace (maintenance)."""
    deleted, _ = IdempotentRequest.objects.unscoped().filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
