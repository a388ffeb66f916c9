-- Interlibrary loans on their way to, in, or back from a locker (SQLite).
-- migrations/postgres/0003_ill_requests.sql declares the same table in
-- PostgreSQL's types.
--
-- id is the ILL system's request id; item the temporary barcode on the
-- parcel; reservation the awaited reservation made for it (no foreign key:
-- the gateway may write the two in either order in one transaction).
-- in_ils: the AcceptItem was forwarded to the ILS (0/1).
CREATE TABLE ill_requests (
    id             TEXT    PRIMARY KEY,
    partner        TEXT    NOT NULL DEFAULT '',
    site           TEXT    NOT NULL DEFAULT '',
    bank           TEXT    NOT NULL REFERENCES banks (id),
    reservation    TEXT    NOT NULL DEFAULT '',
    item           TEXT    NOT NULL CHECK (item <> ''),
    patron         TEXT    NOT NULL DEFAULT '',
    patron_name    TEXT    NOT NULL DEFAULT '',
    title          TEXT    NOT NULL DEFAULT '',
    due            TEXT,
    pickup_expires TEXT,
    in_ils         BOOLEAN NOT NULL,
    state          TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);
-- An item is held by at most one request that is not over (cancelled and
-- deleted are gateway.ILLState.Final): an awaited parcel is recognised by
-- its barcode alone, so two live requests for one barcode would make the
-- arrival ambiguous. The database refuses it whatever the code above does.
CREATE UNIQUE INDEX ill_requests_one_open ON ill_requests (item) WHERE state NOT IN ('cancelled', 'deleted');
CREATE INDEX ill_requests_item ON ill_requests (item, created_at);
CREATE INDEX ill_requests_created ON ill_requests (created_at, id);
CREATE INDEX ill_requests_state ON ill_requests (state, bank);
