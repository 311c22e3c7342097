"""Sync between a clinic's workstations through a PostgreSQL hub (issue 7).

See ``ARCHITECTURE.md`` (Sync). The pieces, from the bottom up:

- ``hlc``: the hybrid logical clock that dates every change.
- ``tables``: which tables sync, their keys, and the SQLite triggers that note
  every changed field in ``sync_dirty`` inside the writing transaction.
- ``capture``: at commit, turns the noted fields into one outbox operation with
  per-field clocks (same transaction as the domain write).
- ``envelope``: AES-256-GCM sealing of an operation, routing fields as AAD.
- ``merge``: applying other workstations' operations, last writer wins per
  field by (hlc, node), losing values kept in ``sync_conflict``.
- ``hub``: the PostgreSQL side (schema, functions, client calls).
- ``engine``: one sync round (clock check, push, pull, apply) and its status.

No hub configured means none of this runs: the triggers exist only once sync
is enabled.
"""
