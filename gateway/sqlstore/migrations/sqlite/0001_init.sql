-- The gateway's first schema (SQLite). migrations/postgres/0001_init.sql
-- declares the same tables and columns in PostgreSQL's types.
--
-- Times are TEXT in one fixed-width UTC form, 2006-01-02T15:04:05.000000Z,
-- so that comparing the text compares the instants; NULL is the zero time.
-- Booleans are 0/1.

CREATE TABLE banks (
    id       TEXT PRIMARY KEY,
    site     TEXT NOT NULL DEFAULT '',
    name     TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT ''
);

CREATE TABLE compartments (
    bank       TEXT    NOT NULL REFERENCES banks (id),
    id         TEXT    NOT NULL,
    -- sort_key is id with every digit run zero-padded, so that "2" sorts
    -- before "10" with a plain byte comparison.
    sort_key   TEXT    NOT NULL,
    size       TEXT    NOT NULL DEFAULT '',
    size_rank  INTEGER NOT NULL DEFAULT 0,
    kind       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (bank, id)
);
CREATE INDEX compartments_pick ON compartments (bank, kind, state, size_rank, sort_key, id);

-- One row per occupied compartment: its holder. The primary key is the
-- rule that a compartment has at most one holder; AssignCompartment inserts
-- here, so a second assignment of one compartment fails in the database
-- whatever the code above it does.
CREATE TABLE assignments (
    bank        TEXT NOT NULL,
    compartment TEXT NOT NULL,
    holder      TEXT NOT NULL CHECK (holder <> ''),
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (bank, compartment),
    FOREIGN KEY (bank, compartment) REFERENCES compartments (bank, id)
);
CREATE INDEX assignments_holder ON assignments (holder);

CREATE TABLE reservations (
    id           TEXT    PRIMARY KEY,
    site         TEXT    NOT NULL DEFAULT '',
    bank         TEXT    NOT NULL REFERENCES banks (id),
    patron       TEXT    NOT NULL DEFAULT '',
    patron_name  TEXT    NOT NULL DEFAULT '',
    state        TEXT    NOT NULL,
    code_hash    TEXT    NOT NULL DEFAULT '',
    ill_request  TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    ready_at     TEXT,
    expires_at   TEXT,
    collected_at TEXT,
    cleared_at   TEXT,
    -- active mirrors gateway.ReservationState.Active (awaited, assigned,
    -- ready, expired); the store keeps it in step with state.
    active       BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX reservations_code ON reservations (bank, code_hash) WHERE active AND code_hash <> '';
CREATE INDEX reservations_created ON reservations (created_at, id);
CREATE INDEX reservations_patron ON reservations (patron);
CREATE INDEX reservations_state ON reservations (state, expires_at);

CREATE TABLE reservation_items (
    reservation TEXT    NOT NULL REFERENCES reservations (id),
    item        TEXT    NOT NULL,
    title       TEXT    NOT NULL DEFAULT '',
    compartment TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL,
    checked_out BOOLEAN NOT NULL DEFAULT 0,
    loaded_at   TEXT,
    -- active: the reservation is active and this item is neither
    -- collected, cleared nor cancelled.
    active      BOOLEAN NOT NULL,
    PRIMARY KEY (reservation, item)
);
-- An item is in at most one active reservation.
CREATE UNIQUE INDEX reservation_items_one_active ON reservation_items (item) WHERE active;

CREATE TABLE returns (
    id           TEXT PRIMARY KEY,
    bank         TEXT NOT NULL REFERENCES banks (id),
    compartment  TEXT NOT NULL DEFAULT '',
    item         TEXT NOT NULL DEFAULT '',
    patron       TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    deposited_at TEXT,
    emptied_at   TEXT
);
CREATE INDEX returns_bank ON returns (bank, compartment, created_at);
CREATE INDEX returns_created ON returns (created_at, id);

CREATE TABLE equipment (
    item        TEXT PRIMARY KEY,
    bank        TEXT NOT NULL REFERENCES banks (id),
    compartment TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    patron      TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL
);
CREATE INDEX equipment_type ON equipment (bank, type, item);

CREATE TABLE outbox (
    -- AUTOINCREMENT: ids are never reused, so ID order stays creation order.
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    idem_key        TEXT    NOT NULL UNIQUE CHECK (idem_key <> ''),
    topic           TEXT    NOT NULL,
    op              TEXT    NOT NULL,
    site            TEXT    NOT NULL DEFAULT '',
    item            TEXT    NOT NULL DEFAULT '',
    patron          TEXT    NOT NULL DEFAULT '',
    payload         TEXT,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    result          TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    done_at         TEXT,
    claimed_by      TEXT    NOT NULL DEFAULT '',
    claimed_until   TEXT
);
-- The unfinished entries of each topic, for finding the head of a topic.
CREATE INDEX outbox_unfinished ON outbox (topic, id) WHERE state IN ('pending', 'sent', 'failed');
-- The claimable entries in ID order, so that a claim does not scan the
-- done history.
CREATE INDEX outbox_open ON outbox (id) WHERE state IN ('pending', 'sent');
CREATE INDEX outbox_item ON outbox (item, id);

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    bank        TEXT NOT NULL DEFAULT '',
    compartment TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    raised_at   TEXT NOT NULL,
    cleared_at  TEXT,
    acked_by    TEXT NOT NULL DEFAULT '',
    acked_at    TEXT
);
-- One active alert per kind, bank and compartment.
CREATE UNIQUE INDEX alerts_one_active ON alerts (kind, bank, compartment) WHERE cleared_at IS NULL;
CREATE INDEX alerts_raised ON alerts (raised_at, id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL DEFAULT '',
    bank        TEXT NOT NULL DEFAULT '',
    compartment TEXT NOT NULL DEFAULT '',
    reservation TEXT NOT NULL DEFAULT '',
    item        TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_item ON audit_log (item);
CREATE INDEX audit_log_reservation ON audit_log (reservation);

CREATE TABLE attempts (
    attempt_key  TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    first_at     TEXT,
    locked_until TEXT
);
