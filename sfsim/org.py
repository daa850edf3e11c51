# ruff: noqa: S608 -- SQL is built only from quoted schema identifiers; values are bound parameters
"""Org: one simulated Salesforce org -- schema, records, validation, deletes, automations,
queries, users/permissions and limits.

Records live in DATA_DIR/orgs/<orgId>.sqlite3, one table per object ("o_<Object>") with a
column per field, an integer ``_rowid`` (insertion order) and ``_cascade_root`` (the Id
whose delete put this record in the Recycle Bin, for undelete).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sfsim import automations, ids
from sfsim.auth import PERMISSIONS, ConnectedApp, SimUser, check_password
from sfsim.clock import sf_datetime
from sfsim.errors import SalesforceError, not_found
from sfsim.query import QueryCursor
from sfsim.schema import (
    AUDIT_FIELDS,
    COMPOUND,
    REAL_OBJECTS,
    SQL_TYPES,
    ObjectDef,
    default_schema,
    global_entry,
    link_children,
)
from sfsim.store import connect
from sfsim.values import compound_value, location_value, to_json_value, to_stored
from sfsim.versions import data_path

__all__ = ["Org", "SimUser", "ConnectedApp", "QueryCursor"]

RECYCLE_DAYS = 15
DEFAULT_LIMITS = {
    "DailyApiRequests": 100_000,
    "DailyBulkV2QueryJobs": 10_000,
    "DailyBulkV2QueryFileStorageMB": 976_562,
    "DailyBulkApiBatches": 15_000,
    "DataStorageMB": 1024,
    "FileStorageMB": 20_480,
    "DailyAsyncApexExecutions": 250_000,
    "SingleEmail": 5_000,
}

_ORG_SCHEMA = """
CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS _sobjects (name TEXT PRIMARY KEY, seq INTEGER, describe TEXT);
CREATE TABLE IF NOT EXISTS _deleted_log (
    id TEXT PRIMARY KEY, object TEXT NOT NULL, deleted_date TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS _deleted_log_obj ON _deleted_log (object, deleted_date);
CREATE TABLE IF NOT EXISTS _automations (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, object TEXT NOT NULL,
    active INTEGER NOT NULL, body TEXT NOT NULL, error_message TEXT,
    created TEXT NOT NULL, modified TEXT NOT NULL, UNIQUE (kind, name));
CREATE TABLE IF NOT EXISTS _metadata (
    type TEXT NOT NULL, full_name TEXT NOT NULL, id TEXT NOT NULL, content BLOB,
    meta BLOB, version INTEGER NOT NULL, created TEXT NOT NULL, created_by TEXT NOT NULL,
    modified TEXT NOT NULL, modified_by TEXT NOT NULL, PRIMARY KEY (type, full_name));
CREATE TABLE IF NOT EXISTS _metadata_versions (
    type TEXT NOT NULL, full_name TEXT NOT NULL, version INTEGER NOT NULL, content BLOB,
    meta BLOB, modified TEXT NOT NULL, PRIMARY KEY (type, full_name, version));
"""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Org:
    """One simulated org. Thread-safe: a SQLite connection per thread, writes serialised."""

    def __init__(self, sim, *, number: int, org_id: str, name: str, edition: str, is_sandbox: bool):
        from sfsim.metadata import MetadataStore

        self.sim = sim
        self.number = number
        self.org_id = org_id
        self.name = name
        self.edition = edition
        self.is_sandbox = is_sandbox
        self.tag = ids.org_tag(number)
        self.path = sim.data_dir / "orgs" / f"{org_id}.sqlite3"
        self._local = threading.local()
        self._lock = threading.RLock()
        self._depth = 0
        self._counter = 0
        self._objects: dict[str, ObjectDef] = {}
        self._prefixes: dict[str, str] = {}
        self._schema_version = None
        self._last_purge = None
        self.conn().executescript(_ORG_SCHEMA)
        self.metadata = MetadataStore(self)

    # ------------------------------------------------------------------ plumbing
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path)
        return conn

    def new_connection(self) -> sqlite3.Connection:
        """A private connection (for long streaming reads)."""
        return connect(self.path)

    def meta(self, key: str, default=None):
        row = self.conn().execute("SELECT value FROM _meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value) -> None:
        self.conn().execute(
            "INSERT INTO _meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, str(value)),
        )

    @contextmanager
    def transaction(self):
        """A write transaction. Re-entrant: a nested block is a SAVEPOINT, so a failing
        inner write (one record of a composite request) is undone on its own. The Id
        counter is read at the start and saved at the end of the outermost block."""
        with self._lock:
            conn = self.conn()
            depth = self._depth
            if depth == 0:
                conn.execute("BEGIN IMMEDIATE")
                self._counter = int(self.meta("counter", 0))
            else:
                conn.execute(f"SAVEPOINT sp{depth}")
            self._depth += 1
            try:
                yield conn
                if depth == 0:
                    self.set_meta("counter", self._counter)
                    conn.execute("COMMIT")
                else:
                    conn.execute(f"RELEASE sp{depth}")
            except BaseException:
                if depth == 0:
                    conn.execute("ROLLBACK")
                else:
                    conn.execute(f"ROLLBACK TO sp{depth}")
                    conn.execute(f"RELEASE sp{depth}")
                raise
            finally:
                self._depth -= 1

    def new_id(self, od: ObjectDef) -> str:
        self._counter += 1
        return ids.make_id(od.key_prefix or "000", self.tag, self._counter)

    def now(self) -> str:
        return sf_datetime(self.sim.clock.now())

    # ------------------------------------------------------------------ schema
    def objects(self) -> dict[str, ObjectDef]:
        version = self.meta("schema_version", "0")
        if version != self._schema_version:
            rows = self.conn().execute("SELECT describe FROM _sobjects ORDER BY seq").fetchall()
            objs = {}
            for (text,) in rows:
                od = ObjectDef(json.loads(text))
                objs[od.name] = od
            self._objects = objs
            self._lower = {n.lower(): n for n in objs}
            self._prefixes = {od.key_prefix: n for n, od in objs.items() if od.key_prefix}
            self._schema_version = version
        return self._objects

    def object_names(self) -> list[str]:
        return list(self.objects())

    def obj(self, name: str) -> ObjectDef:
        """ObjectDef by (case-insensitive) name; raises NOT_FOUND (404)."""
        objs = self.objects()
        real = self._lower.get(name.lower()) if isinstance(name, str) else None
        if real is None:
            raise SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)
        return objs[real]

    def obj_for_write(self, name: str) -> ObjectDef:
        try:
            return self.obj(name)
        except SalesforceError:
            raise SalesforceError(
                "INVALID_TYPE",
                f"sObject type '{name}' is not supported. If you are attempting "
                "to use a custom object, be sure to append the '__c' after the entity name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
                status=404,
            ) from None

    def object_for_id(self, record_id: str) -> ObjectDef | None:
        self.objects()
        name = self._prefixes.get(record_id[:3])
        return self._objects.get(name) if name else None

    def install_schema(
        self, describes: dict[str, dict], rules: dict | None = None, real: tuple = ()
    ) -> None:
        """Add or replace objects (name -> describe JSON): creates tables, adds columns for new
        fields, links childRelationships on parents, bumps the schema version. ``real`` names
        the objects whose describes are real Salesforce responses (kept as they are)."""
        with self.transaction() as conn:
            current = {n: od.describe for n, od in self.objects().items()}
            current.update(describes)
            known_real = set(json.loads(self.meta("real_objects", "[]"))) | set(real)
            self.set_meta("real_objects", json.dumps(sorted(known_real)))
            link_children(current, rules, known_real)
            seq = conn.execute("SELECT IFNULL(MAX(seq), 0) FROM _sobjects").fetchone()[0]
            for name, describe in current.items():
                existing = conn.execute(
                    "SELECT seq, describe FROM _sobjects WHERE name = ?", (name,)
                ).fetchone()
                if existing is None:
                    seq += 1
                if existing is None or json.loads(existing[1]) != describe:
                    # What the describe's Last-Modified header answers (If-Modified-Since).
                    self.set_meta(f"describe_modified:{name}", self.now())
                conn.execute(
                    "INSERT INTO _sobjects (name, seq, describe) VALUES (?, ?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET describe = excluded.describe",
                    (name, existing[0] if existing else seq, json.dumps(describe)),
                )
                self._ensure_table(conn, ObjectDef(describe))
            self.set_meta("schema_version", int(self.meta("schema_version", 0)) + 1)

    def _ensure_table(self, conn, od: ObjectDef) -> None:
        table = od.table()
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if not have:
            cols = ", ".join(
                f"{_q(n)} {_column_type(od.fields[n])}" for n in od.stored if n != "Id"
            )
            conn.execute(
                f"CREATE TABLE {table} (_rowid INTEGER PRIMARY KEY, "
                f'"Id" TEXT UNIQUE NOT NULL COLLATE NOCASE, _cascade_root TEXT, {cols})'
            )
            have = {"_rowid", "Id", "_cascade_root", *od.stored}
        for n in od.stored:
            if n not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {_q(n)} {_column_type(od.fields[n])}")
        indexed = (
            ["SystemModstamp", "OwnerId", "_cascade_root"]
            + [
                n
                for n in od.stored
                if od.fields[n]["type"] == "reference"
                and n not in ("CreatedById", "LastModifiedById")
            ]
            + [n for n in od.stored if od.fields[n].get("externalId") or od.fields[n].get("unique")]
        )
        for n in indexed:
            if n in od.fields or n == "_cascade_root":
                conn.execute(
                    f"CREATE INDEX IF NOT EXISTS {_q('ix_' + od.name + '_' + n)} "
                    f"ON {table} ({_q(n)})"
                )

    def drop_indexes(self, od: ObjectDef) -> None:
        """Drop an object's secondary indexes (bulk loads rebuild them with _ensure_table)."""
        conn = self.conn()
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND "
            "tbl_name = ? AND name LIKE 'ix_%'",
            (f"o_{od.name}",),
        ).fetchall()
        for (name,) in rows:
            conn.execute(f"DROP INDEX {_q(name)}")

    def bootstrap(
        self, *, slug: str, use_default_schema: bool = True, with_automations: bool = True
    ) -> None:
        """Fill a new org: schema, profiles, permission sets, users, automations, metadata."""
        from sfsim.loaders.seed import seed_org

        if use_default_schema:
            self.install_schema(default_schema(), real=REAL_OBJECTS)
        seed_org(self, slug=slug, with_automations=with_automations)

    def describe_global(self) -> dict:
        return {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [global_entry(od.describe) for od in self.objects().values()],
        }

    def describe(self, object_name: str) -> dict:
        return self.obj(object_name).describe

    def describe_modified(self, object_name: str) -> str:
        """When the object's describe last changed (a stored datetime; "" if never told)."""
        return self.meta(f"describe_modified:{self.obj(object_name).name}", "")

    # ------------------------------------------------------------------ users and permissions
    def user(self, user_id: str) -> SimUser:
        row = (
            self.conn()
            .execute(
                'SELECT "Id", "Username", "Name", "Email", "ProfileId", "IsActive" FROM "o_User" '
                'WHERE "Id" = ?',
                (ids.to18(user_id),),
            )
            .fetchone()
        )
        if row is None:
            raise KeyError(user_id)
        return SimUser(
            id=row[0],
            username=row[1],
            org_id=self.org_id,
            name=row[2] or "",
            email=row[3] or "",
            profile_id=row[4],
            is_active=bool(row[5]),
        )

    def users(self) -> list[SimUser]:
        rows = self.conn().execute('SELECT "Id" FROM "o_User" ORDER BY _rowid').fetchall()
        return [self.user(r[0]) for r in rows]

    def authenticate_password(self, username: str, password: str) -> SimUser:
        row = self.sim.login_row(username)
        if row is None or row[0] != self.org_id or not check_password(password, row[2]):
            raise SalesforceError(
                "INVALID_LOGIN",
                "INVALID_LOGIN: Invalid username, password, security token; or user locked out.",
                status=500,
            )
        user = self.user(row[1])
        if not user.is_active:
            raise SalesforceError("INVALID_LOGIN", "INVALID_LOGIN: Inactive user", status=500)
        return user

    def permissions(self, user) -> frozenset[str]:
        """The permissions the user holds through its permission sets (incl. the profile's)."""
        if user is None:
            return frozenset(PERMISSIONS)
        cols = ", ".join(f'MAX(IFNULL(ps."Permissions{p}", 0))' for p in PERMISSIONS)
        row = (
            self.conn()
            .execute(
                f'SELECT {cols} FROM "o_PermissionSet" ps JOIN "o_PermissionSetAssignment" psa '
                f'ON psa."PermissionSetId" = ps."Id" WHERE psa."AssigneeId" = ? '
                f'AND psa."IsDeleted" = 0 AND ps."IsDeleted" = 0',
                (user.id,),
            )
            .fetchone()
        )
        return frozenset(p for p, v in zip(PERMISSIONS, row or (), strict=False) if v)

    def set_permission(self, username: str, permission: str, enabled: bool) -> None:
        """Grant or take away one of ApiEnabled, ViewAllData, ModifyAllData, QueryAllFiles,
        SetAuditFields: updates the PermissionSet records the user is assigned (taking away
        clears it on every one; granting sets it on the profile's permission set)."""
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}; use one of {PERMISSIONS}")
        found = self.sim.find_user(username)
        if found is None or found[0].org_id != self.org_id:
            raise KeyError(username)
        user = found[1]
        rows = (
            self.conn()
            .execute(
                'SELECT ps."Id", ps."IsOwnedByProfile" FROM "o_PermissionSet" ps '
                'JOIN "o_PermissionSetAssignment" psa ON psa."PermissionSetId" = ps."Id" '
                'WHERE psa."AssigneeId" = ? AND psa."IsDeleted" = 0 ORDER BY ps."IsOwnedByProfile" DESC',
                (user.id,),
            )
            .fetchall()
        )
        targets = [r[0] for r in rows] if not enabled else [r[0] for r in rows[:1]]
        for ps_id in targets:
            self.update("PermissionSet", ps_id, {f"Permissions{permission}": enabled}, None)

    def check_api_access(self, user) -> None:
        if "ApiEnabled" not in self.permissions(user):
            raise SalesforceError(
                "API_CURRENTLY_DISABLED", "API is disabled for this User", status=403
            )

    # ------------------------------------------------------------------ limits
    def _limit_day(self) -> str:
        return self.sim.clock.now().date().isoformat()

    def _limit_row(self, name: str) -> tuple[int, int]:
        """(used, max) for a limit, reset when the simulator's day changes."""
        day = self._limit_day()
        raw = self.meta(f"limit:{name}")
        state = json.loads(raw) if raw else {}
        maximum = int(state.get("max", DEFAULT_LIMITS[name]))
        used = int(state.get("used", 0)) if state.get("day") == day else 0
        return used, maximum

    def _save_limit(self, name: str, used: int, maximum: int) -> None:
        self.set_meta(
            f"limit:{name}", json.dumps({"day": self._limit_day(), "used": used, "max": maximum})
        )

    def consume(self, name: str, amount: int = 1) -> tuple[int, int]:
        with self.transaction():
            used, maximum = self._limit_row(name)
            if used + amount > maximum:
                label = "TotalRequests" if name == "DailyApiRequests" else name
                raise SalesforceError(
                    "REQUEST_LIMIT_EXCEEDED", f"{label} Limit exceeded.", status=403
                )
            self._save_limit(name, used + amount, maximum)
            return used + amount, maximum

    def consume_api_request(self) -> tuple[int, int]:
        """Count one API request; (used, max). REQUEST_LIMIT_EXCEEDED (403) when spent."""
        return self.consume("DailyApiRequests")

    def api_usage(self) -> tuple[int, int]:
        return self._limit_row("DailyApiRequests")

    def set_daily_api_limit(self, max_requests: int) -> None:
        self.set_limit("DailyApiRequests", max_requests)

    def set_limit(self, name: str, maximum: int) -> None:
        with self.transaction():
            used, _ = self._limit_row(name)
            self._save_limit(name, used, int(maximum))

    def limits(self) -> dict:
        out = {}
        for name in DEFAULT_LIMITS:
            used, maximum = self._limit_row(name)
            if name == "DataStorageMB":
                used = self.data_storage_mb()
            elif name == "FileStorageMB":
                used = self.file_storage_mb()
            out[name] = {"Max": maximum, "Remaining": max(maximum - used, 0)}
        return out

    def record_counts(self, names: list[str] | None = None) -> list[dict]:
        """[{"count", "name"}] for ``names`` (case-insensitive; unknown ones skipped) or all."""
        objs = self.objects()
        lowered = {n.lower(): n for n in objs}
        chosen = (
            [lowered[n.lower()] for n in names if n.lower() in lowered] if names else list(objs)
        )
        out = []
        for name in dict.fromkeys(chosen):
            od = objs[name]
            deleted = ' WHERE "IsDeleted" = 0' if "IsDeleted" in od.fields else ""
            count = self.conn().execute(f"SELECT COUNT(*) FROM {od.table()}{deleted}").fetchone()[0]
            out.append({"count": count, "name": name})
        return out

    def data_storage_mb(self) -> int:
        """Salesforce counts about 2 KB per record."""
        total = 0
        for od in self.objects().values():
            if od.binary or od.is_big or od.is_mdt:
                continue
            total += self.conn().execute(f"SELECT COUNT(*) FROM {od.table()}").fetchone()[0]
        return total * 2 // 1024

    def file_storage_mb(self) -> int:
        total = 0
        for od in self.objects().values():
            for f in od.binary:
                total += (
                    self.conn()
                    .execute(f"SELECT IFNULL(SUM(LENGTH({_q(f)})), 0) FROM {od.table()}")
                    .fetchone()[0]
                )
        return total // (1024 * 1024)

    # ------------------------------------------------------------------ record helpers
    def row(self, od: ObjectDef, record_id: str, conn=None) -> dict | None:
        cur = (conn or self.conn()).execute(
            f'SELECT * FROM {od.table()} WHERE "Id" = ?', (record_id,)
        )
        values = cur.fetchone()
        if values is None:
            return None
        return dict(zip((d[0] for d in cur.description), values, strict=True))

    def find(self, record_id: str) -> tuple[ObjectDef, dict]:
        """(ObjectDef, stored row) for any Id, including Recycle Bin records; NOT_FOUND."""
        rid = ids.to18(record_id)
        od = self.object_for_id(rid)
        rec = self.row(od, rid) if od else None
        if rec is None:
            raise SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)
        return od, rec

    def _visible(self, od: ObjectDef, rec: dict, user, perms=None) -> bool:
        perms = self.permissions(user) if perms is None else perms
        if user is None or not od.has_owner or "ViewAllData" in perms:
            return True
        return rec.get("OwnerId") == user.id

    def _check_modify(self, od: ObjectDef, rec: dict, user, perms=None) -> None:
        perms = self.permissions(user) if perms is None else perms
        if user is None or "ModifyAllData" in perms or not od.has_owner:
            return
        if rec.get("OwnerId") != user.id:
            raise SalesforceError(
                "INSUFFICIENT_ACCESS_OR_READONLY",
                "insufficient access rights on object id",
                status=400,
            )

    def record_json(self, od: ObjectDef, rec: dict, fields: list[str] | None = None) -> dict:
        out = {
            "attributes": {
                "type": od.name,
                "url": f"{data_path()}/sobjects/{od.name}/{rec['Id']}",
            }
        }
        names = fields if fields is not None else list(od.fields)
        for name in names:
            f = od.field(name)
            if f is None:
                raise SalesforceError(
                    "INVALID_FIELD", f"No such column '{name}' on sobject of type {od.name}"
                )
            if f["type"] in COMPOUND:
                out[f["name"]] = (
                    compound_value(f["name"], rec)
                    if f["type"] == "address"
                    else location_value(f["name"], rec)
                )
            else:
                out[f["name"]] = to_json_value(f, rec.get(f["name"]), od.name, rec["Id"])
        return out

    # ------------------------------------------------------------------ reads
    def get(self, object_name: str, record_id: str, fields: list[str] | None, user) -> dict:
        """One record as REST JSON; NOT_FOUND (404) for unknown, deleted or invisible Ids."""
        self.purge_expired()
        od = self.obj(object_name)
        rid = ids.to18(record_id)
        rec = self.row(od, rid)
        if rec is None or not self._visible(od, rec, user):
            raise not_found()
        if rec.get("IsDeleted"):
            raise _entity_is_deleted()
        return self.record_json(od, rec, fields)

    def get_body(self, object_name: str, record_id: str, field: str, user) -> bytes:
        od = self.obj(object_name)
        f = od.field(field)
        if f is None or f["type"] != "base64":
            raise not_found()
        rec = self.row(od, ids.to18(record_id))
        if rec is None or rec.get("IsDeleted") or not self._visible(od, rec, user):
            raise not_found()
        return bytes(rec.get(f["name"]) or b"")

    # ------------------------------------------------------------------ writes
    def create(self, object_name: str, values: dict, user, *, system: bool = False) -> str:
        """Insert one record; returns its Id. ``system`` skips permission and
        createable checks (automations, seeding)."""
        od = self.obj_for_write(object_name)
        if not system and not od.describe.get("createable"):
            raise SalesforceError(
                "INVALID_TYPE_FOR_OPERATION",
                f"entity type cannot be inserted: {od.describe['label']}",
            )
        perms = self.permissions(user)
        rec: dict = {}
        for key, value in values.items():
            if key == "attributes":
                continue
            f = od.field(key)
            if f is None:
                raise SalesforceError(
                    "INVALID_FIELD", f"No such column '{key}' on sobject of type {od.name}", [key]
                )
            name = f["name"]
            if name == "Id" and not system:
                raise SalesforceError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"]
                )
            if not system:
                allowed = f.get("createable") or (
                    name in AUDIT_FIELDS and "SetAuditFields" in perms
                )
                if not allowed:
                    raise _not_writable(name)
            rec[name] = to_stored(f, value)
        with self.transaction():
            self._fill_defaults(od, rec, user)
            automations.before_save(self, od, rec, None)
            self._validate(od, rec, None)
            automations.validation_rules(self, od, rec, None)
            self._insert_row(od, rec)
            self._after_insert(od, rec, user)
            automations.after_save(self, od, rec, None, user)
        return rec["Id"]

    def _fill_defaults(self, od: ObjectDef, rec: dict, user) -> None:
        now = self.now()
        user_id = user.id if user else self.admin_id()
        if not rec.get("Id"):
            rec["Id"] = self.new_id(od)
        rec["IsDeleted"] = 0 if "IsDeleted" in od.fields else None
        rec.setdefault("CreatedDate", now)
        rec.setdefault("CreatedById", user_id)
        if "LastModifiedDate" in od.fields:
            rec.setdefault("LastModifiedDate", rec["CreatedDate"])
            rec.setdefault("LastModifiedById", rec["CreatedById"])
        if "SystemModstamp" in od.fields:
            rec["SystemModstamp"] = now
        if od.has_owner and rec.get("OwnerId") is None:
            rec["OwnerId"] = user_id
        for name, f in od.fields.items():
            if name in rec or f["type"] in COMPOUND:
                continue
            if f["type"] == "boolean":
                rec[name] = int(bool(f.get("defaultValue")))
            elif f.get("defaultValue") is not None and f.get("createable"):
                rec[name] = to_stored(f, f["defaultValue"])
        automations.computed_fields(self, od, rec)

    def admin_id(self) -> str:
        return self.meta("admin_user_id") or ids.make_id("005", self.tag, 0)

    def _insert_row(self, od: ObjectDef, rec: dict, conn=None) -> None:
        names = [n for n in rec if n in od.fields and od.fields[n]["type"] not in COMPOUND]
        sql = (
            f"INSERT INTO {od.table()} ({', '.join(_q(n) for n in names)}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )
        (conn or self.conn()).execute(sql, [rec[n] for n in names])

    def _validate(self, od: ObjectDef, rec: dict, old: dict | None) -> None:
        """Required fields, references, unique values."""
        missing = [
            name
            for name, f in od.fields.items()
            if not f.get("nillable")
            and f.get("createable")
            and f["type"] not in ("boolean",)
            and f["type"] not in COMPOUND
            and not f.get("defaultedOnCreate")
            and rec.get(name) in (None, "")
        ]
        if missing:
            raise SalesforceError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
        for name, f in od.fields.items():
            value = rec.get(name)
            if (
                value is None
                or f["type"] != "reference"
                or name in ("Id", "CreatedById", "LastModifiedById")
            ):
                continue
            if old is not None and old.get(name) == value:
                continue
            self._check_reference(f, value)
        for name, f in od.fields.items():
            value = rec.get(name)
            if value is None or not f.get("unique"):
                continue
            if old is not None and old.get(name) == value:
                continue
            collate = "" if f.get("caseSensitive") else " COLLATE NOCASE"
            dup = (
                self.conn()
                .execute(
                    f'SELECT "Id" FROM {od.table()} WHERE {_q(name)} = ?{collate} AND "Id" != ?',
                    (value, rec["Id"]),
                )
                .fetchone()
            )
            if dup:
                raise SalesforceError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {name} duplicates value on record with id: {dup[0]}",
                    [name],
                )

    def _check_reference(self, f: dict, value: str) -> None:
        objs = self.objects()
        known_targets = [t for t in f["referenceTo"] if t in objs]
        if not known_targets:
            return
        target = self.object_for_id(value)
        if target is None or target.name not in f["referenceTo"]:
            raise SalesforceError(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{f['label']}: id value of incorrect type: {value}",
                [f["name"]],
            )
        row = (
            self.conn()
            .execute(f'SELECT "IsDeleted" FROM {target.table()} WHERE "Id" = ?', (value,))
            .fetchone()
            if "IsDeleted" in target.fields
            else (
                self.conn()
                .execute(f'SELECT 0 FROM {target.table()} WHERE "Id" = ?', (value,))
                .fetchone()
            )
        )
        if row is None:
            raise SalesforceError(
                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f["name"]]
            )
        if row[0]:
            raise SalesforceError("ENTITY_IS_DELETED", "entity is deleted", [f["name"]])

    def _after_insert(self, od: ObjectDef, rec: dict, user) -> None:
        if od.name == "ContentVersion":
            automations.content_version_inserted(self, od, rec, user)
        if od.name == "Account":
            self._history(rec["Id"], "created", None, None, user)

    def _history(self, account_id: str, field: str, old, new, user) -> None:
        objs = self.objects()
        if "AccountHistory" not in objs:
            return
        hod = objs["AccountHistory"]
        now = self.now()
        self._insert_row(
            hod,
            {
                "Id": self.new_id(hod),
                "IsDeleted": 0,
                "AccountId": account_id,
                "Field": field,
                "DataType": "Text",
                "OldValue": None if old is None else str(old)[:255],
                "NewValue": None if new is None else str(new)[:255],
                "CreatedDate": now,
                "CreatedById": user.id if user else self.admin_id(),
            },
        )

    def update(
        self, object_name: str, record_id: str, values: dict, user, *, system: bool = False
    ) -> None:
        od = self.obj_for_write(object_name)
        rid = ids.to18(record_id)
        with self.transaction():
            old = self.row(od, rid)
            if old is None:
                raise not_found()
            if old.get("IsDeleted"):
                raise _entity_is_deleted()
            if not system:
                if not od.describe.get("updateable"):
                    raise SalesforceError(
                        "INVALID_TYPE_FOR_OPERATION",
                        f"entity type cannot be updated: {od.describe['label']}",
                    )
                self._check_modify(od, old, user)
            changes = {}
            for key, value in values.items():
                if key == "attributes":
                    continue
                f = od.field(key)
                if f is None:
                    raise SalesforceError(
                        "INVALID_FIELD",
                        f"No such column '{key}' on sobject of type {od.name}",
                        [key],
                    )
                name = f["name"]
                if name == "Id":
                    if value and ids.to18(value) != rid:
                        raise SalesforceError("INVALID_FIELD", "Id in body does not match URL")
                    continue
                if not system and not f.get("updateable"):
                    raise _not_writable(name)
                changes[name] = to_stored(f, value)
            new = {**old, **changes}
            for name in changes:
                f = od.fields[name]
                if new[name] is None and not f.get("nillable") and f["type"] != "boolean":
                    raise SalesforceError(
                        "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{name}]", [name]
                    )
            automations.computed_fields(self, od, new)
            automations.before_save(self, od, new, old)
            self._validate(od, new, old)
            automations.validation_rules(self, od, new, old)
            now = self.now()
            if "LastModifiedDate" in od.fields:
                new["LastModifiedDate"] = now
                new["LastModifiedById"] = user.id if user else self.admin_id()
            if "SystemModstamp" in od.fields:
                new["SystemModstamp"] = now
            self._write_row(od, new, old)
            if od.name == "Account":
                for name in ("Name", "Rating", "OwnerId"):
                    if new.get(name) != old.get(name):
                        self._history(
                            rid,
                            "Owner" if name == "OwnerId" else name,
                            old.get(name),
                            new.get(name),
                            user,
                        )
            automations.after_save(self, od, new, old, user)

    def _write_row(self, od: ObjectDef, new: dict, old: dict) -> None:
        changed = [
            n
            for n in new
            if n in od.fields
            and n != "Id"
            and new[n] != old.get(n)
            and od.fields[n]["type"] not in COMPOUND
        ]
        if not changed:
            return
        self.conn().execute(
            f'UPDATE {od.table()} SET {", ".join(_q(n) + " = ?" for n in changed)} WHERE "Id" = ?',
            [new[n] for n in changed] + [new["Id"]],
        )

    def touch(self, od: ObjectDef, record_id: str, values: dict) -> None:
        """A system write (automation, cascade): sets values and bumps SystemModstamp."""
        values = dict(values)
        if "SystemModstamp" in od.fields:
            values["SystemModstamp"] = self.now()
        if not values:
            return
        self.conn().execute(
            f'UPDATE {od.table()} SET {", ".join(_q(n) + " = ?" for n in values)} WHERE "Id" = ?',
            [*values.values(), record_id],
        )

    def upsert(
        self, object_name: str, external_field: str, external_value: str, values: dict, user
    ) -> tuple[str, bool]:
        """Insert or update by an external Id (or Id) field; (Id, created)."""
        od = self.obj_for_write(object_name)
        f = od.field(external_field)
        if f is None or not (f.get("externalId") or f.get("idLookup")):
            raise SalesforceError(
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {external_field}",
                status=404,
            )
        name = f["name"]
        stored = to_stored(f, external_value)
        with self.transaction():
            rows = (
                self.conn()
                .execute(
                    f'SELECT "Id" FROM {od.table()} WHERE {_q(name)} = ? COLLATE NOCASE '
                    f'AND IFNULL("IsDeleted", 0) = 0 LIMIT 2',
                    (stored,),
                )
                .fetchall()
            )
            if len(rows) > 1:
                raise SalesforceError(
                    "MULTIPLE_CHOICES",
                    f"More than one record found for {name} = {external_value}",
                    status=300,
                )
            body = {k: v for k, v in values.items() if k.lower() != name.lower()}
            if rows:
                self.update(od.name, rows[0][0], body, user)
                return rows[0][0], False
            if name != "Id":
                body[name] = external_value
            return self.create(od.name, body, user), True

    # ------------------------------------------------------------------ deletes
    def _children(self, od: ObjectDef):
        """(child ObjectDef, field, cascade, restrict) for every child relationship in schema."""
        objs = self.objects()
        for rel in od.describe.get("childRelationships", []):
            child = objs.get(rel["childSObject"])
            if child is None or rel["field"] not in child.fields:
                continue
            if rel["field"] in ("CreatedById", "LastModifiedById"):
                continue
            yield child, rel["field"], rel.get("cascadeDelete"), rel.get("restrictedDelete")

    def _delete_tree(self, od: ObjectDef, rec: dict, *, include_binned: bool = False):
        """Every record a delete of ``rec`` takes along [(od, id)], refusing (DELETE_FAILED) when
        a live child sits on a restrictedDelete relationship; plus (od, field, ids) to null."""
        tree = [(od, rec["Id"])]
        nulls = []
        queue = [(od, rec["Id"])]
        seen = {rec["Id"]}
        conn = self.conn()
        while queue:
            pod, pid = queue.pop()
            for child, field, cascade, restrict in self._children(pod):
                live = (
                    ""
                    if include_binned or "IsDeleted" not in child.fields
                    else (' AND "IsDeleted" = 0')
                )
                rows = conn.execute(
                    f'SELECT "Id" FROM {child.table()} WHERE {_q(field)} = ?{live}', (pid,)
                ).fetchall()
                if not rows:
                    continue
                if restrict:
                    label = child.describe.get("labelPlural", child.name).lower()
                    raise SalesforceError(
                        "DELETE_FAILED",
                        f"Your attempt to delete {rec.get(od.name_field or 'Id') or rec['Id']} "
                        f"could not be completed because it is associated with the following "
                        f"{label}.: {', '.join(r[0] for r in rows[:10])}",
                    )
                if cascade:
                    for (cid,) in rows:
                        if cid not in seen:
                            seen.add(cid)
                            tree.append((child, cid))
                            queue.append((child, cid))
                elif child.fields[field].get("nillable"):
                    nulls.append((child, field, [r[0] for r in rows]))
        return tree, nulls

    def delete(self, record_id: str, user) -> None:
        """Move a record (and its cascadeDelete children) to the Recycle Bin."""
        od, rec = self.find(record_id)
        if rec.get("IsDeleted"):
            raise _entity_is_deleted()
        if user is not None and not od.describe.get("deletable"):
            raise SalesforceError(
                "INVALID_TYPE_FOR_OPERATION",
                f"entity type cannot be deleted: {od.describe['label']}",
            )
        self._check_modify(od, rec, user)
        with self.transaction() as conn:
            tree, nulls = self._delete_tree(od, rec)
            now = self.now()
            uid = user.id if user else self.admin_id()
            for child, field, child_ids in nulls:
                for cid in child_ids:
                    self.touch(child, cid, {field: None})
            for tod, tid in tree:
                if "IsDeleted" not in tod.fields:
                    conn.execute(f'DELETE FROM {tod.table()} WHERE "Id" = ?', (tid,))
                    continue
                values = {"IsDeleted": 1, "_cascade_root": rec["Id"]}
                if "LastModifiedDate" in tod.fields:
                    values.update(LastModifiedDate=now, LastModifiedById=uid)
                self.touch(tod, tid, values)
                conn.execute(
                    "INSERT INTO _deleted_log (id, object, deleted_date) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET deleted_date = excluded.deleted_date",
                    (tid, tod.name, now),
                )

    def undelete(self, record_id: str, user) -> None:
        """Restore a Recycle Bin record and the children its delete took along."""
        self.purge_expired()
        rid = ids.to18(record_id)
        od = self.object_for_id(rid)
        rec = self.row(od, rid) if od else None
        if rec is None or not rec.get("IsDeleted"):
            raise SalesforceError("UNDELETE_FAILED", "Entity is not in the recycle bin")
        self._check_modify(od, rec, user)
        with self.transaction() as conn:
            now = self.now()
            uid = user.id if user else self.admin_id()
            for tod in self.objects().values():
                if "IsDeleted" not in tod.fields:
                    continue
                rows = conn.execute(
                    f'SELECT "Id" FROM {tod.table()} WHERE _cascade_root = ? AND "IsDeleted" = 1',
                    (rid,),
                ).fetchall()
                for (tid,) in rows:
                    values = {"IsDeleted": 0, "_cascade_root": None}
                    if "LastModifiedDate" in tod.fields:
                        values.update(LastModifiedDate=now, LastModifiedById=uid)
                    self.touch(tod, tid, values)
                    conn.execute("DELETE FROM _deleted_log WHERE id = ?", (tid,))

    def hard_delete(self, record_id: str, user) -> None:
        """Delete for good (skipping the Recycle Bin), children included."""
        od, rec = self.find(record_id)
        self._check_modify(od, rec, user)
        with self.transaction():
            if rec.get("IsDeleted"):
                tree = [(o, i) for o, i in self._binned_with(rec["Id"])]
                nulls = []
            else:
                tree, nulls = self._delete_tree(od, rec)
            for child, field, child_ids in nulls:
                for cid in child_ids:
                    self.touch(child, cid, {field: None})
            self._purge(tree)

    def _binned_with(self, root_id: str):
        for tod in self.objects().values():
            if "IsDeleted" not in tod.fields:
                continue
            for (tid,) in self.conn().execute(
                f'SELECT "Id" FROM {tod.table()} WHERE _cascade_root = ?', (root_id,)
            ):
                yield tod, tid

    def _purge(self, tree) -> None:
        conn = self.conn()
        now = self.now()
        for tod, tid in tree:
            conn.execute(f'DELETE FROM {tod.table()} WHERE "Id" = ?', (tid,))
            conn.execute(
                "INSERT INTO _deleted_log (id, object, deleted_date) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO NOTHING",
                (tid, tod.name, now),
            )

    def empty_recycle_bin(self, record_ids: list[str], user) -> None:
        """Purge Recycle Bin records now (with the children their delete took along)."""
        with self.transaction():
            for record_id in record_ids:
                od, rec = self.find(record_id)
                if not rec.get("IsDeleted"):
                    raise SalesforceError("INVALID_ID_FIELD", "Entity is not in the recycle bin")
                self._check_modify(od, rec, user)
                self._purge(list(self._binned_with(rec["Id"])))

    def purge_expired(self) -> None:
        """Purge Recycle Bin records deleted more than 15 days ago (by the simulator clock)."""
        now = self.sim.clock.now()
        if self._last_purge is not None and abs((now - self._last_purge).total_seconds()) < 30:
            return
        self._last_purge = now
        cutoff = sf_datetime(now - dt.timedelta(days=RECYCLE_DAYS))
        with self.transaction() as conn:
            for od in self.objects().values():
                if "IsDeleted" not in od.fields or "SystemModstamp" not in od.fields:
                    continue
                conn.execute(
                    f'DELETE FROM {od.table()} WHERE "IsDeleted" = 1 AND "SystemModstamp" < ?',
                    (cutoff,),
                )

    def deleted(self, object_name: str, start, end) -> dict:
        """Body of sobjects/X/deleted: Ids deleted in [start, end] (the last 15 days)."""
        self.purge_expired()
        od = self.obj(object_name)
        lo, hi = _range(start), _range(end)
        now = self.sim.clock.now()
        earliest = sf_datetime(now - dt.timedelta(days=RECYCLE_DAYS))
        if hi < earliest:
            raise SalesforceError(
                "INVALID_REPLICATION_DATE", "startDate cannot be more than 15 days ago"
            )
        rows = (
            self.conn()
            .execute(
                "SELECT id, deleted_date FROM _deleted_log WHERE object = ? AND deleted_date >= ? "
                "AND deleted_date <= ? ORDER BY deleted_date LIMIT 600000",
                (od.name, max(lo, earliest), hi),
            )
            .fetchall()
        )
        return {
            "deletedRecords": [{"id": r[0], "deletedDate": r[1]} for r in rows],
            "earliestDateAvailable": earliest,
            "latestDateCovered": sf_datetime(min(now, _dt(end))),
        }

    def updated(self, object_name: str, start, end) -> dict:
        """Body of sobjects/X/updated: Ids changed (SystemModstamp) in [start, end]."""
        od = self.obj(object_name)
        lo, hi = _range(start), _range(end)
        rows = (
            self.conn()
            .execute(
                f'SELECT "Id" FROM {od.table()} WHERE "SystemModstamp" >= ? AND "SystemModstamp" <= ? '
                f'AND IFNULL("IsDeleted", 0) = 0 ORDER BY "SystemModstamp" LIMIT 600000',
                (lo, hi),
            )
            .fetchall()
        )
        now = self.sim.clock.now()
        return {"ids": [r[0] for r in rows], "latestDateCovered": sf_datetime(min(now, _dt(end)))}

    # ------------------------------------------------------------------ queries
    def query(self, soql_text: str, *, include_deleted: bool, user, batch_size: int = 2000):
        """A QueryCursor over the results (MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE)."""
        from sfsim.query import run_query

        self.purge_expired()
        return run_query(
            self, soql_text, include_deleted=include_deleted, user=user, batch_size=batch_size
        )

    def query_columns(self, soql_text: str) -> dict:
        """The ``columns=true`` answer: the validated query's column metadata."""
        from sfsim.columns import column_metadata
        from sfsim.query import parse

        return column_metadata(self, parse(self, soql_text))

    def query_rows(
        self, soql_text: str, *, include_deleted: bool, user
    ) -> tuple[list[str], Iterator[list[str]]]:
        """(CSV header, iterator of rows as strings) in Bulk API 2.0 format, streamed."""
        from sfsim.query_bulk import run_rows

        self.purge_expired()
        return run_rows(self, soql_text, include_deleted=include_deleted, user=user)

    def query_csv_lines(
        self,
        soql_text: str,
        *,
        include_deleted: bool,
        user,
        delimiter: str = ",",
        line_ending: str = "\n",
    ) -> tuple[str, Iterator[str]]:
        """(header line, iterator of CSV lines): the rows of query_rows, each formatted
        exactly as csv.writer(quoting=QUOTE_ALL, delimiter, lineterminator) would."""
        from sfsim.query_bulk import run_lines

        self.purge_expired()
        return run_lines(
            self,
            soql_text,
            include_deleted=include_deleted,
            user=user,
            delimiter=delimiter,
            line_ending=line_ending,
        )

    def tooling_query(self, soql_text: str, user) -> dict:
        from sfsim.tooling import tooling_query

        return tooling_query(self, soql_text)

    def tooling_update(self, object_name: str, record_id: str, values: dict, user) -> None:
        from sfsim.tooling import tooling_update

        tooling_update(self, object_name, record_id, values, user)


def _entity_is_deleted() -> SalesforceError:
    return SalesforceError("ENTITY_IS_DELETED", "entity is deleted", status=404)


def _column_type(field: dict) -> str:
    if field["type"] in ("reference", "id"):
        return "TEXT COLLATE NOCASE"
    return SQL_TYPES.get(field["type"], "TEXT")


def _not_writable(name: str) -> SalesforceError:
    return SalesforceError(
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        f"Unable to create/update fields: {name}. Please check the security settings of this "
        "field and verify that it is read/write for your profile or permission set.",
        [name],
    )


def _dt(value) -> dt.datetime:
    from sfsim.clock import parse_datetime

    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return parse_datetime(str(value))


def _range(value) -> str:
    try:
        return sf_datetime(_dt(value))
    except ValueError:
        raise SalesforceError("INVALID_DATE_FORMAT", f"Invalid date: {value}") from None
