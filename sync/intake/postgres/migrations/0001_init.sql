-- Intake server schema for PostgreSQL, version 1: the tables of the SQLite
-- backend (sync/intake/sqlite/migrations/0001_init.sql) in PostgreSQL types.
CREATE TABLE forms (
	hash      text PRIMARY KEY,
	form_id   text NOT NULL,
	version   text NOT NULL,
	published timestamptz NOT NULL,
	json      bytea NOT NULL,
	added     bigint GENERATED ALWAYS AS IDENTITY -- ties of published keep publication order
);

CREATE TABLE tokens (
	id         text PRIMARY KEY,
	hash       text NOT NULL UNIQUE,
	enumerator text NOT NULL,
	created    timestamptz NOT NULL,
	revoked    timestamptz -- NULL while valid
);
CREATE INDEX tokens_enumerator ON tokens (enumerator);

-- One row per stored submission: every revision (history) and every
-- conflicting version side by side. (id, hash) is unique: that is what makes
-- a retry a duplicate; at most one row per id is current.
CREATE TABLE submissions (
	seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id         text NOT NULL,
	revision   integer NOT NULL,
	hash       text NOT NULL,
	form_hash  text NOT NULL,
	enumerator text NOT NULL,
	device_id  text NOT NULL,
	token_id   text NOT NULL,
	source     text NOT NULL,
	received   timestamptz NOT NULL,
	bytes      bigint NOT NULL,
	current    boolean NOT NULL,
	conflict   boolean NOT NULL DEFAULT false,
	forwarded  boolean NOT NULL DEFAULT false,
	body       bytea NOT NULL,
	UNIQUE (id, hash)
);
CREATE UNIQUE INDEX submissions_current ON submissions (id) WHERE current;
CREATE INDEX submissions_unforwarded ON submissions (seq) WHERE NOT forwarded;
CREATE INDEX submissions_enumerator ON submissions (enumerator) WHERE current;

-- The counters of `sira intake stats`, summed over 16 shards: a transaction
-- adds to one shard, picked at random, in one UPDATE, so concurrent batches
-- rarely wait for each other's commit on a counter row and never lock
-- counter rows in different orders.
CREATE TABLE counters (
	shard          smallint PRIMARY KEY,
	submissions    bigint NOT NULL DEFAULT 0,
	duplicates     bigint NOT NULL DEFAULT 0,
	updated        bigint NOT NULL DEFAULT 0,
	superseded     bigint NOT NULL DEFAULT 0,
	conflicts      bigint NOT NULL DEFAULT 0,
	invalid        bigint NOT NULL DEFAULT 0,
	batches        bigint NOT NULL DEFAULT 0,
	bytes_received bigint NOT NULL DEFAULT 0,
	attachments    bigint NOT NULL DEFAULT 0,
	rejections     bigint NOT NULL DEFAULT 0
);
INSERT INTO counters (shard) SELECT generate_series(0, 15);

CREATE TABLE attachments (
	sha256   text PRIMARY KEY,
	size     bigint NOT NULL,
	held     bigint NOT NULL,
	complete boolean NOT NULL DEFAULT false
);

CREATE TABLE attachment_parts (
	sha256 text NOT NULL REFERENCES attachments (sha256) ON DELETE CASCADE,
	off    bigint NOT NULL,
	data   bytea NOT NULL,
	PRIMARY KEY (sha256, off)
);

-- Rejections get their seq under a lock (see Store.Reject), so seq order is
-- commit order and "seq > after" never skips one.
CREATE TABLE rejections (
	seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id         text NOT NULL,
	revision   integer NOT NULL,
	hash       text NOT NULL,
	enumerator text NOT NULL,
	comment    text NOT NULL,
	by_user    text NOT NULL,
	at         timestamptz NOT NULL
);
CREATE INDEX rejections_enumerator ON rejections (enumerator, seq);
