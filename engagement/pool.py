"""Sealing pooled submissions: padded, fixed-length, authenticated ciphertexts.

Every ciphertext of a kind has the same length, so neither a comment's length nor the number
of answered questions can match a pooled item to what is later released. The key is derived
(HKDF-SHA256) from the anonymity secret (engagement/secret_key.py), which the database never
holds; the additional data binds a ciphertext to its pool row, kind and scope, so that a row
copied or edited in the database does not open.
"""

from __future__ import annotations

import json
import os
import struct
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from engagement.config import load_settings

# the padded plaintext of each kind (bytes): a response holds up to 2,000 comment characters
# (8 kB of UTF-8 at most), its answers and the respondent's snapshot
PADDED = {"response": 16_384, "checkin": 2_048}
_NONCE = 12
_LENGTH = struct.Struct(">I")


class TooLarge(ValueError):
    """The plaintext does not fit the kind's fixed length."""


def derive_key(secret: str) -> bytes:
    """The pool's AES-256 key, derived from the anonymity secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"virage pool v1").derive(
        secret.encode("utf-8")
    )


@lru_cache(maxsize=1)
def _key() -> bytes:
    return derive_key(load_settings().secret_key)


def _aad(item_id: str, kind: str, scope: str) -> bytes:
    return f"{item_id}|{kind}|{scope}".encode()


def seal(
    item_id: str, kind: str, scope: str, content: dict[str, Any], key: bytes | None = None
) -> bytes:
    """Encrypt `content` padded to its kind's length; TooLarge when it does not fit."""
    plain = json.dumps(content, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    size = PADDED[kind]
    if len(plain) + _LENGTH.size > size:
        raise TooLarge(kind)
    padded = _LENGTH.pack(len(plain)) + plain + bytes(size - len(plain) - _LENGTH.size)
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key or _key()).encrypt(nonce, padded, _aad(item_id, kind, scope))


def open_sealed(
    item_id: str, kind: str, scope: str, sealed: bytes, key: bytes | None = None
) -> dict[str, Any]:
    """Decrypt and unpad a sealed item (cryptography's InvalidTag if it was altered)."""
    nonce, body = sealed[:_NONCE], sealed[_NONCE:]
    padded = AESGCM(key or _key()).decrypt(nonce, body, _aad(item_id, kind, scope))
    (length,) = _LENGTH.unpack_from(padded)
    content: dict[str, Any] = json.loads(padded[_LENGTH.size : _LENGTH.size + length])
    return content


def sealed_length(kind: str) -> int:
    """The length of every ciphertext of a kind."""
    return _NONCE + PADDED[kind] + 16
