"""The sandbox's seed catalogue and its SQLite store of profiles, devices and memberships::

shops = load_seed(Path("sandbox/seed.json"))  # {"demo-shop": Shop(...)}
store = Store(Path("data"))
store.set_membership("demo-shop", "device-1", 313, True, email="ann@example.com")
store.segment_ids("demo-shop", "device-1")  # [313]
store.close()
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

DB_FILENAME = "sandbox.sqlite3"

SegmentId = int | str

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

_SEED_SHAPE = (
    '{"shops": [{"id": "a-shop", "name": "A shop", "segments": [{"id": 313, "name": "VIP", '
    '"type": "static"}]}]}, every id unique in its list, segment ids integers or strings'
)


class SeedError(ValueError):
    """The seed file is missing or malformed."""


class DataError(ValueError):
    """The data folder holds a database of another layout."""


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


def normalise_segment_id(value: SegmentId) -> SegmentId:
    """Return ``value`` as an int when it is an int or an ASCII digit string, else unchanged."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value):
        return int(value)
    return value


def load_seed(path: Path) -> dict[str, Shop]:
    """Load shops from a seed JSON file; raise SeedError, naming the shape, when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SeedError(f"Cannot read seed file {path}: {exc}") from exc
    shops: dict[str, Shop] = {}
    try:
        for raw in data["shops"]:
            shop = Shop(raw["id"], raw["name"], {})
            for entry in raw["segments"]:
                segment = Segment(normalise_segment_id(entry["id"]), entry["name"], entry["type"])
                if (
                    not _named(segment.id, segment.name, segment.type)
                    or segment.id in shop.segments
                ):
                    raise ValueError(segment)
                shop.segments[segment.id] = segment
            if not isinstance(shop.id, str) or not _named(shop.id, shop.name) or shop.id in shops:
                raise ValueError(shop.id)
            shops[shop.id] = shop
    except (LookupError, TypeError, ValueError) as exc:
        raise SeedError(f"Seed file {path} must be {_SEED_SHAPE} (at {exc}).") from exc
    return shops


def _named(item_id: object, *texts: object) -> bool:
    """True for an int or non-empty string id and string texts (a name, a type)."""
    valid_id = isinstance(item_id, int | str) and not isinstance(item_id, bool) and item_id != ""
    return valid_id and all(isinstance(text, str) for text in texts)


def delete_data(data_dir: Path) -> None:
    """Delete the database in ``data_dir``, its journals too; the folder and other files stay."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        (Path(data_dir) / f"{DB_FILENAME}{suffix}").unlink(missing_ok=True)


class Store:
    """Profiles, devices and memberships in ``<data_dir>/sandbox.sqlite3``; shared between threads.

    As PersonaClick documents it, a call that carries an email or phone binds the device to the
    profile that owns that contact ("device switching"), so every device that identified with
    the same email sees the same segments. Raises DataError for a database of another layout.
    """

    def __init__(self, data_dir: Path) -> None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.path = Path(data_dir) / DB_FILENAME
        # One connection serialised by a lock: simple, and SQLite writes are serial anyway.
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, timeout=10, isolation_level=None, check_same_thread=False
        )
        # The first layout, before profiles, kept memberships by device: no longer read.
        first_layout = "SELECT 1 FROM pragma_table_info('memberships') WHERE name = 'did'"
        if self._conn.execute(first_layout).fetchone():
            self._conn.close()
            raise DataError(f"{self.path} was written by an older sandbox: start with --reset.")
        # WAL: a commit is in the file before the call returns, so a killed process loses nothing.
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

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
        # One write transaction: the connection commits it, or rolls it back on an exception.
        with self._lock, self._conn as conn:
            conn.execute("BEGIN IMMEDIATE")
            profile_id = _bind_device(conn, shop_id, did, {"email": email, "phone": phone})
            if member:
                sql = "INSERT OR IGNORE INTO memberships (profile_id, segment_id) VALUES (?, ?)"
            else:
                sql = "DELETE FROM memberships WHERE profile_id = ? AND segment_id = ?"
            conn.execute(sql, (profile_id, segment_id))

    def segment_ids(self, shop_id: str, did: str) -> list[SegmentId]:
        """Return the ids of the segments of the device's profile, ints first, ascending."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT segment_id FROM memberships JOIN devices USING (profile_id)"
                " WHERE shop_id = ? AND did = ?",
                (shop_id, did),
            ).fetchall()
        return sorted((row[0] for row in rows), key=lambda i: (isinstance(i, str), i))

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
    for column, value in given.items():  # column names come from this module, never a request
        row = conn.execute(
            f"SELECT id FROM profiles WHERE shop_id = ? AND {column} = ?", (shop_id, value)
        ).fetchone()
        if row is not None:
            profile_id = row[0]
            break
    else:
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
