"""Seed catalogue loading and SQLite storage for the sandbox."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DB_FILENAME = "sandbox.sqlite3"

SegmentId = int | str

_DIGITS = re.compile(r"[0-9]+")

# segment_id has no declared type, so SQLite keeps ints as INTEGER and string ids as TEXT.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS profiles (
    shop_id TEXT NOT NULL,
    did TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    PRIMARY KEY (shop_id, did)
);
CREATE TABLE IF NOT EXISTS memberships (
    shop_id TEXT NOT NULL,
    did TEXT NOT NULL,
    segment_id NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (shop_id, did, segment_id)
);
"""

_UPSERT_PROFILE = """
INSERT INTO profiles (shop_id, did, email, phone) VALUES (?, ?, ?, ?)
ON CONFLICT (shop_id, did) DO UPDATE SET
    email = COALESCE(excluded.email, profiles.email),
    phone = COALESCE(excluded.phone, profiles.phone)
"""


class SeedError(ValueError):
    """The seed file is missing or malformed."""


def normalise_segment_id(value: SegmentId) -> SegmentId:
    """Return ``value`` as an int when it is an int or an ASCII digit string, else unchanged."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    return value


def segment_sort_key(segment_id: SegmentId) -> tuple[bool, int | str]:
    """Sort key that orders integer ids numerically, before any string ids."""
    return (isinstance(segment_id, str), segment_id)


@dataclass(frozen=True)
class Segment:
    """One catalogue entry of a shop."""

    id: SegmentId
    name: str
    type: str


@dataclass(frozen=True)
class Shop:
    """A shop and its segment catalogue, keyed by normalised segment id (seed order kept)."""

    id: str
    name: str
    segments: dict[SegmentId, Segment]


def load_seed(path: Path) -> dict[str, Shop]:
    """Load shops from a seed JSON file; raise SeedError when the file is malformed."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SeedError(f"Cannot read seed file {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("shops"), list):
        raise SeedError(f"Seed file {path} must be an object with a 'shops' list.")
    shops: dict[str, Shop] = {}
    for raw_shop in data["shops"]:
        shop = _parse_shop(raw_shop)
        if shop.id in shops:
            raise SeedError(f"Seed file {path} lists shop {shop.id!r} twice.")
        shops[shop.id] = shop
    return shops


def _parse_shop(raw: object) -> Shop:
    """Validate one shop entry of the seed file."""
    if not isinstance(raw, dict):
        raise SeedError("Every seed shop must be an object.")
    shop_id, name, raw_segments = raw.get("id"), raw.get("name"), raw.get("segments")
    if not isinstance(shop_id, str) or not shop_id or not isinstance(name, str):
        raise SeedError("Every seed shop needs a non-empty string 'id' and a string 'name'.")
    if not isinstance(raw_segments, list):
        raise SeedError(f"Seed shop {shop_id!r} needs a 'segments' list.")
    segments: dict[SegmentId, Segment] = {}
    for entry in raw_segments:
        if not isinstance(entry, dict):
            raise SeedError(f"Every segment of seed shop {shop_id!r} must be an object.")
        seg_id, seg_name, seg_type = entry.get("id"), entry.get("name"), entry.get("type")
        valid_id = (isinstance(seg_id, int) and not isinstance(seg_id, bool)) or (
            isinstance(seg_id, str) and seg_id != ""
        )
        if not valid_id or not isinstance(seg_name, str) or not isinstance(seg_type, str):
            raise SeedError(
                f"Segments of seed shop {shop_id!r} need an int or string 'id', "
                "a string 'name' and a string 'type'."
            )
        key = normalise_segment_id(seg_id)
        if key in segments:
            raise SeedError(f"Seed shop {shop_id!r} lists segment {key!r} twice.")
        segments[key] = Segment(id=key, name=seg_name, type=seg_type)
    return Shop(id=shop_id, name=name, segments=segments)


class Store:
    """Memberships and profiles in ``<data_dir>/sandbox.sqlite3``; safe to share between threads."""

    def __init__(self, data_dir: Path) -> None:
        data_dir = Path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_FILENAME
        # One connection serialised by a lock: simple, and SQLite writes are serial anyway.
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, timeout=10, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the body under the lock inside one write transaction."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def add_membership(
        self,
        shop_id: str,
        did: str,
        segment_id: SegmentId,
        *,
        email: str | None = None,
        phone: str | None = None,
    ) -> None:
        """Make the device a member of the segment (idempotent); store any given contact."""
        with self._transaction() as conn:
            self._upsert_profile(conn, shop_id, did, email, phone)
            conn.execute(
                "INSERT OR IGNORE INTO memberships (shop_id, did, segment_id) VALUES (?, ?, ?)",
                (shop_id, did, segment_id),
            )

    def remove_membership(
        self,
        shop_id: str,
        did: str,
        segment_id: SegmentId,
        *,
        email: str | None = None,
        phone: str | None = None,
    ) -> None:
        """Remove the device from the segment (no-op for non-members); store any given contact."""
        with self._transaction() as conn:
            self._upsert_profile(conn, shop_id, did, email, phone)
            conn.execute(
                "DELETE FROM memberships WHERE shop_id = ? AND did = ? AND segment_id = ?",
                (shop_id, did, segment_id),
            )

    @staticmethod
    def _upsert_profile(
        conn: sqlite3.Connection, shop_id: str, did: str, email: str | None, phone: str | None
    ) -> None:
        """Write only the contact fields that were given; leave the others as they were."""
        if email is not None or phone is not None:
            conn.execute(_UPSERT_PROFILE, (shop_id, did, email, phone))

    def segment_ids(self, shop_id: str, did: str) -> list[SegmentId]:
        """Return the ids of the segments the device is a member of, ints first, ascending."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT segment_id FROM memberships WHERE shop_id = ? AND did = ?",
                (shop_id, did),
            ).fetchall()
        return sorted((row[0] for row in rows), key=segment_sort_key)

    def profile(self, shop_id: str, did: str) -> dict[str, str | None] | None:
        """Return the device's stored ``{"email", "phone"}``, or None when nothing was stored."""
        with self._lock:
            row = self._conn.execute(
                "SELECT email, phone FROM profiles WHERE shop_id = ? AND did = ?",
                (shop_id, did),
            ).fetchone()
        return None if row is None else {"email": row[0], "phone": row[1]}

    def close(self) -> None:
        """Close the database connection; safe to call twice."""
        with self._lock:
            self._conn.close()
