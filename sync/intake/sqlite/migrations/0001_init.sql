-- Intake server schema, version 1.
CREATE TABLE forms (
	hash      TEXT PRIMARY KEY,
	form_id   TEXT NOT NULL,
	version   TEXT NOT NULL,
	published TEXT NOT NULL,
	json      BLOB NOT NULL
);

CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	hash       TEXT NOT NULL UNIQUE,
	enumerator TEXT NOT NULL,
	created    TEXT NOT NULL,
	revoked    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tokens_enumerator ON tokens (enumerator);

-- One row per stored submission: every revision (history) and every
-- conflicting version side by side. (id, hash) is unique: that is what makes
-- a retry a duplicate.
CREATE TABLE submissions (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL,
	revision   INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	form_hash  TEXT NOT NULL,
	enumerator TEXT NOT NULL,
	device_id  TEXT NOT NULL,
	token_id   TEXT NOT NULL,
	source     TEXT NOT NULL,
	received   TEXT NOT NULL,
	bytes      INTEGER NOT NULL,
	current    INTEGER NOT NULL,
	conflict   INTEGER NOT NULL DEFAULT 0,
	forwarded  INTEGER NOT NULL DEFAULT 0,
	body       BLOB NOT NULL,
	UNIQUE (id, hash)
);
CREATE INDEX submissions_unforwarded ON submissions (seq) WHERE forwarded = 0;
CREATE INDEX submissions_enumerator ON submissions (enumerator) WHERE current = 1;

CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE attachments (
	sha256   TEXT PRIMARY KEY,
	size     INTEGER NOT NULL,
	held     INTEGER NOT NULL,
	complete INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE attachment_parts (
	sha256 TEXT NOT NULL REFERENCES attachments (sha256) ON DELETE CASCADE,
	offset INTEGER NOT NULL,
	data   BLOB NOT NULL,
	PRIMARY KEY (sha256, offset)
);

CREATE TABLE rejections (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL,
	revision   INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	enumerator TEXT NOT NULL,
	comment    TEXT NOT NULL,
	by         TEXT NOT NULL,
	at         TEXT NOT NULL
);
CREATE INDEX rejections_enumerator ON rejections (enumerator, seq);
