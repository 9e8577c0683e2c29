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
# A profile owns memberships and contacts; devices (dids) point at the profile they act for.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS profiles (
    id INTEGER PRIMARY KEY,
    shop_id TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    UNIQUE (shop_id, email),
    UNIQUE (shop_id, phone)
);
CREATE TABLE IF NOT EXISTS devices (
    shop_id TEXT NOT NULL,
    did TEXT NOT NULL,
    profile_id INTEGER NOT NULL REFERENCES profiles (id),
    PRIMARY KEY (shop_id, did)
);
CREATE TABLE IF NOT EXISTS memberships (
    profile_id INTEGER NOT NULL REFERENCES profiles (id),
    segment_id NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (profile_id, segment_id)
);
"""

# Databases of the first layout kept memberships per device: each device becomes its own profile.
_SET_ASIDE_FIRST_LAYOUT = """
ALTER TABLE memberships RENAME TO old_memberships;
DROP TABLE profiles;
CREATE TEMP TABLE old_devices AS SELECT DISTINCT shop_id, did FROM old_memberships;
"""
_MOVE_FIRST_LAYOUT = """
INSERT INTO profiles (id, shop_id) SELECT rowid, shop_id FROM old_devices;
INSERT INTO devices (shop_id, did, profile_id) SELECT shop_id, did, rowid FROM old_devices;
INSERT INTO memberships (profile_id, segment_id, created_at)
    SELECT d.rowid, m.segment_id, m.created_at
    FROM old_memberships m JOIN old_devices d USING (shop_id, did);
DROP TABLE old_memberships;
DROP TABLE old_devices;
"""


def delete_data(data_dir: Path) -> None:
    """Delete the database in ``data_dir``, its journals too; the folder and other files stay."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        (Path(data_dir) / f"{DB_FILENAME}{suffix}").unlink(missing_ok=True)


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
    """Profiles, devices and memberships in ``<data_dir>/sandbox.sqlite3``; shared between threads.

    As PersonaClick documents it, a call that carries an email or phone binds the device to the
    profile that owns that contact ("device switching"), so every device that identified with
    the same email sees the same segments.
    """

    def __init__(self, data_dir: Path) -> None:
        data_dir = Path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_FILENAME
        # One connection serialised by a lock: simple, and SQLite writes are serial anyway.
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, timeout=10, isolation_level=None, check_same_thread=False
        )
        # WAL: a commit is in the file before the call returns, so a killed process loses nothing.
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        with self._transaction() as conn:
            old_layout = conn.execute(
                "SELECT 1 FROM pragma_table_info('memberships') WHERE name = 'did'"
            ).fetchone()
            scripts = [_SCHEMA]
            if old_layout:
                scripts = [_SET_ASIDE_FIRST_LAYOUT, _SCHEMA, _MOVE_FIRST_LAYOUT]
            # Statement by statement: executescript() would commit the transaction half-way.
            for statement in ";".join(scripts).split(";"):
                conn.execute(statement)

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

    def set_membership(
        self,
        shop_id: str,
        did: str,
        segment_id: SegmentId,
        member: bool,
        *,
        email: str | None = None,
        phone: str | None = None,
    ) -> None:
        """Add the device's profile to the segment or remove it (both idempotent)."""
        with self._transaction() as conn:
            profile_id = _bind_device(conn, shop_id, did, {"email": email, "phone": phone})
            if member:
                conn.execute(
                    "INSERT OR IGNORE INTO memberships (profile_id, segment_id) VALUES (?, ?)",
                    (profile_id, segment_id),
                )
            else:
                conn.execute(
                    "DELETE FROM memberships WHERE profile_id = ? AND segment_id = ?",
                    (profile_id, segment_id),
                )

    def segment_ids(self, shop_id: str, did: str) -> list[SegmentId]:
        """Return the ids of the segments of the device's profile, ints first, ascending."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT segment_id FROM memberships JOIN devices USING (profile_id)"
                " WHERE shop_id = ? AND did = ?",
                (shop_id, did),
            ).fetchall()
        return sorted((row[0] for row in rows), key=segment_sort_key)

    def profile(self, shop_id: str, did: str) -> dict[str, str | None] | None:
        """Return the ``{"email", "phone"}`` of the device's profile, None for an unknown device."""
        with self._lock:
            row = self._conn.execute(
                "SELECT email, phone FROM profiles JOIN devices ON profiles.id = profile_id"
                " WHERE devices.shop_id = ? AND did = ?",
                (shop_id, did),
            ).fetchone()
        return None if row is None else {"email": row[0], "phone": row[1]}

    def close(self) -> None:
        """Close the database connection; safe to call twice."""
        with self._lock:
            self._conn.close()


def _bind_device(
    conn: sqlite3.Connection, shop_id: str, did: str, contacts: dict[str, str | None]
) -> int:
    """Point the device at its profile and return the profile's id.

    The profile is the owner of the email, else of the phone; a contact nobody owns yet joins
    the device's own profile when that profile has none of its kind, else starts a new profile.
    """
    given = {column: value for column, value in contacts.items() if value is not None}
    profile_id = None
    for column, value in given.items():  # column names come from this module, never a request
        row = conn.execute(
            f"SELECT id FROM profiles WHERE shop_id = ? AND {column} = ?", (shop_id, value)
        ).fetchone()
        if row is not None:
            profile_id = row[0]
            break
    if profile_id is None:
        row = conn.execute(
            "SELECT id, email, phone FROM profiles JOIN devices ON profiles.id = profile_id"
            " WHERE devices.shop_id = ? AND did = ?",
            (shop_id, did),
        ).fetchone()
        own = None if row is None else {"id": row[0], "email": row[1], "phone": row[2]}
        if own is not None and all(own[column] is None for column in given):
            profile_id = own["id"]
        else:
            profile_id = conn.execute(
                "INSERT INTO profiles (shop_id) VALUES (?)", (shop_id,)
            ).lastrowid
    for column, value in given.items():
        # A contact another profile owns stays with it (UNIQUE makes OR IGNORE skip it).
        conn.execute(
            f"UPDATE OR IGNORE profiles SET {column} = ? WHERE id = ? AND {column} IS NULL",
            (value, profile_id),
        )
    conn.execute(
        "INSERT INTO devices (shop_id, did, profile_id) VALUES (?, ?, ?)"
        " ON CONFLICT (shop_id, did) DO UPDATE SET profile_id = excluded.profile_id",
        (shop_id, did, profile_id),
    )
    return profile_id
