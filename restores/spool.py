"""A temporary on-disk {key: dict} for one object of a restore run: the org's current
records, the records to insert anew and the updates wait here (a private SQLite
database in a temporary file, gone when closed) instead of in memory, so a run's memory
stays flat however big the object is. Record data never reaches the disk in clear: each
body is sealed with a key made for this spool and held only in memory (AES-GCM), so the
temporary file is unreadable once the run is gone.

- `Spool()`; `put(items)` with (key, dict) pairs (a key put again replaces its value);
  `get(keys) -> {key: dict}` for the keys present; `items(size)` yields lists of
  (key, dict) in the order they were first put; `close()`.
"""

import json
import sqlite3

from common.crypto import decrypt, encrypt, new_data_key

# SQLite's bound-parameter limit is 32,766; a lookup asks for far fewer at a time.
LOOKUP_BATCH = 900


class Spool:
    def __init__(self) -> None:
        # An empty file name: a private temporary database on disk, deleted on close.
        self.db = sqlite3.connect("")
        self.key = new_data_key()
        self.db.execute("CREATE TABLE spool (n INTEGER PRIMARY KEY, key TEXT UNIQUE, body BLOB)")

    def put(self, items) -> None:
        self.db.executemany(
            "INSERT INTO spool (key, body) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET body = excluded.body",
            ((key, self._seal(key, value)) for key, value in items),
        )

    def get(self, keys) -> dict[str, dict]:
        keys = list(keys)
        found: dict[str, dict] = {}
        for start in range(0, len(keys), LOOKUP_BATCH):
            part = keys[start : start + LOOKUP_BATCH]
            marks = ", ".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT key, body FROM spool WHERE key IN ({marks})",  # noqa: S608 - only ?s
                part,
            )
            found.update((key, self._open(key, body)) for key, body in rows)
        return found

    def items(self, size: int):
        last = 0
        while True:
            rows = self.db.execute(
                "SELECT n, key, body FROM spool WHERE n > ? ORDER BY n LIMIT ?", (last, size)
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [(key, self._open(key, body)) for _n, key, body in rows]

    def _seal(self, key: str, value: dict) -> bytes:
        return encrypt(self.key, json.dumps(value).encode(), aad=key.encode())

    def _open(self, key: str, body: bytes) -> dict:
        return json.loads(decrypt(self.key, body, aad=key.encode()))

    def close(self) -> None:
        self.db.close()
