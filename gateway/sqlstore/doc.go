// Package sqlstore implements gateway.Store over SQLite (pure Go,
// modernc.org/sqlite: the embedded default, one file under a data
// directory) and PostgreSQL (lib/pq: production, and several gateway
// processes sharing one database), with jmoiron/sqlx and one schema in two
// dialects.
//
// # Use
//
//	db, err := sqlstore.Open(ctx, "sqlite", "./data/lockergate.db")
//	...
//	applied, err := db.Migrate(ctx) // Open never migrates by itself
//	svc := gateway.New(cfg, db, ...)
//
// SQLite runs in WAL mode with a busy timeout and foreign keys on. Writes
// go through one connection that opens every transaction with BEGIN
// IMMEDIATE, so writers queue instead of failing; View uses a separate pool
// of query_only connections that read while the writer writes. PostgreSQL
// runs at READ COMMITTED: every read-modify-write locks its rows (FOR
// UPDATE) or writes conditionally (UPDATE ... WHERE state IN ...), and Tx
// runs fn again on serialization failures, deadlocks and SQLITE_BUSY. The
// reads the gateway writes back unconditionally lock too, inside Tx (not
// View): OutboxEntry (and Enqueue of a known key) lock the entry's row,
// ILLRequest and ILLRequestForItem the request's row, Attempts takes a
// transaction lock on its key.
//
// # Tables
//
//   - banks, compartments: the configuration's banks and their doors, with
//     each compartment's state and a natural-order sort key ("2" < "10").
//   - assignments: one row per occupied compartment naming its holder (a
//     reservation, a return, an equipment item). Its primary key (bank,
//     compartment) is the database constraint that makes assigning one
//     compartment twice impossible, also between processes: AssignCompartment
//     picks a candidate (FOR UPDATE SKIP LOCKED on PostgreSQL), inserts the
//     holder row (a refusal moves it to the next candidate), then marks the
//     compartment reserved on condition that it is still free.
//   - reservations, reservation_items: what patrons collect. An active flag,
//     kept in step with the states by this package, backs two partial unique
//     indexes: an item is in at most one active reservation, and a pickup
//     code hash is used by at most one active reservation per bank.
//   - returns, equipment: the returns and equipment-lending workflows.
//   - ill_requests: interlibrary loans on their way to, in, or back from a
//     locker, found by the temporary barcode on the parcel. A partial unique
//     index on the item, over the requests that are not cancelled or deleted
//     (gateway.ILLState.Final), makes two open requests for one barcode
//     impossible, so that an arrival scan is never ambiguous.
//   - outbox: ILS transactions and notifications, delivered exactly once.
//     The idempotency key is unique (Enqueue of a known key is a no-op); a
//     partial index on unfinished entries finds each topic's head, which is
//     the only entry of its topic ClaimOutbox leases.
//   - alerts (a partial unique index allows one active alert per kind, bank
//     and compartment), audit_log, attempts (PIN and code lockouts).
//   - schema_migrations: the versions applied, and when.
//
// Times are stored in UTC to the microsecond (TIMESTAMPTZ on PostgreSQL,
// fixed-width RFC 3339 text on SQLite, so that text order is time order);
// NULL is the zero time, which reads back as the zero time. JSON payloads
// are TEXT on both, returned byte for byte.
//
// # Migrations
//
// migrations/sqlite/NNNN_name.sql and migrations/postgres/NNNN_name.sql are
// embedded in the binary. Migrate applies the versions a database lacks in
// order, each in its own transaction with its schema_migrations row. On
// PostgreSQL it holds an advisory lock (per schema) meanwhile, so that
// gateway processes starting together apply each version once; SQLite's
// BEGIN IMMEDIATE serialises them. A database with a version this build
// does not know is refused. MigrationStatus lists what is applied.
//
// To change the schema, add the next version to both directories (for
// example 0002_add_bank_timezone.sql), with the same tables and columns in
// each dialect's types; never edit a migration that has been released. The
// tests apply every migration on both engines.
package sqlstore
