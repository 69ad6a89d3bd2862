"""Participation tokens: who answered, recorded without a person id anyone can join.

A participation record holds HMAC(secret, scope, person) instead of the person's id. The
app recomputes it to know whether *you* answered; the database alone cannot tell whose it
is, so even reading raw rows next to the answers (same transaction) names nobody. The
secret lives outside the database (VIRAGE_SECRET_KEY).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from functools import lru_cache

from engagement.config import load_settings


@lru_cache(maxsize=1)
def _secret() -> bytes:
    return load_settings().secret_key.encode("utf-8")


def participant_token(scope: str, employee_id: int, secret: bytes | None = None) -> str:
    """The token of a person within a scope (a wave, or the morning check-in)."""
    key = secret if secret is not None else _secret()
    message = f"{scope}:{employee_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def wave_scope(wave_id: int) -> str:
    return f"wave:{wave_id}"


def checkin_scope(day: date) -> str:
    """One scope per day: tokens of different days cannot be matched to each other."""
    return f"checkin:{day.isoformat()}"
