"""The pool: submissions waiting, encrypted, to be released in batches (services/mixer.py).

An answer, a comment or a check-in is written at once, in the transaction of its
participation record, but only as a sealed item here: a fixed-length AES-GCM ciphertext
whose key is derived from the secret the database never holds (engagement/pool.py). The
mixer opens items, releases them as responses and check-ins in shuffled batches in which
every released row is consistent with at least k of the people whose items it holds, and
deletes them from the pool. The random id says nothing about order; on SQLite the table is
WITHOUT ROWID.
"""

from __future__ import annotations

from sqlalchemy import Index, LargeBinary
from sqlmodel import Field, SQLModel

from engagement.models.pulses import NO_ROWID, random_id


class PoolItem(SQLModel, table=True):
    """One sealed submission: its kind and scope (what its participation record says
    already), and a ciphertext of the same length as every other of its kind."""

    # the mixer's GROUP BY reads this index only, never the ciphertexts
    __table_args__ = (Index("ix_poolitem_scope_batch", "scope", "batch_key"), NO_ROWID)

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    kind: str = Field(max_length=16)
    scope: str = Field(max_length=40)  # "wave:12", "checkin:2026-12-03"
    # a digest of what will be stored with it (its coarsened snapshot): anyone holding the
    # named rows computes the same for every person, so it tells nothing new, and it lets the
    # mixer find groups of k with one GROUP BY instead of opening every item
    batch_key: str = Field(max_length=64)
    sealed: bytes = Field(sa_type=LargeBinary, nullable=False)
