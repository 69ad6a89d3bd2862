"""Email addresses compared the way mail systems do, so that a look-alike never reaches
someone else's account.

The directory keeps every address in one form (`normalize_email`): trimmed, NFKC-normalised
and in lower case (the database checks `email = lower(email)`). An address an identity
provider sends is compared in that form too (`sign_in_key`), but only when each of its
characters is already its own normal form (an accent typed apart is then composed): an
address holding compatibility characters — the Kelvin sign K, full-width letters, ligatures —
names another mailbox than the one its letters look like, so it matches no one. Case aside,
letters outside ASCII (Cyrillic а, dotless ı, é) are never folded onto ASCII ones: such an
address matches only a directory entry written exactly so. No character that is its own
normal form turns into plain ASCII in lower case (a test goes through every code point).
"""

from __future__ import annotations

import unicodedata


def normalize_email(value: str) -> str:
    """The directory's form of an address: trimmed, NFKC-normalised, lower case."""
    text = unicodedata.normalize("NFKC", value.strip()).strip()
    return unicodedata.normalize("NFKC", text.lower())


def sign_in_key(value: str) -> str | None:
    """The directory form of an address sent at sign-in, or None when it holds look-alike
    (compatibility) characters and so may not be matched to anyone."""
    text = value.strip()
    # Each character must be its own normal form. An accent typed apart (e + ◌́) is, and is
    # composed below; the Kelvin sign is not (Unicode even makes it canonically equivalent to
    # K), nor are full-width letters or ligatures: they only look like other letters.
    if any(unicodedata.normalize("NFKC", char) != char for char in text):
        return None
    return normalize_email(text)
