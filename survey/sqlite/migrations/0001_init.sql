-- Sira laptop store, schema version 1.
-- Answers live in one JSON document per interview (the Record tree): an
-- autosave rewrites a few kilobytes in one transaction, and bulk inserts
-- write one row per interview.

CREATE TABLE interviews (
	id            TEXT PRIMARY KEY,
	form_id       TEXT NOT NULL,
	form_version  TEXT NOT NULL,
	form_hash     TEXT NOT NULL,
	enumerator    TEXT NOT NULL,
	device_id     TEXT NOT NULL,
	started       INTEGER,           -- unix nanoseconds UTC; NULL for the zero time
	ended         INTEGER,
	status        TEXT NOT NULL CHECK (status IN ('draft','finalized','sent','acknowledged','rejected')),
	revision      INTEGER NOT NULL,
	comment       TEXT NOT NULL DEFAULT '',
	updated       INTEGER,
	data          BLOB NOT NULL,      -- JSON of survey.Record
	content_hash  TEXT                -- recorded at finalize
) STRICT;

CREATE INDEX interviews_form_status ON interviews (form_id, status);
CREATE INDEX interviews_status ON interviews (status, ended);

-- Paradata, one row per appended batch (a JSON array of survey.Event).
CREATE TABLE paradata (
	seq          INTEGER PRIMARY KEY,
	interview_id TEXT NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
	events       BLOB NOT NULL
) STRICT;
CREATE INDEX paradata_interview ON paradata (interview_id, seq);

-- File contents, stored once per SHA-256.
CREATE TABLE blobs (
	sha256 TEXT PRIMARY KEY,
	size   INTEGER NOT NULL,
	data   BLOB NOT NULL
) STRICT;

CREATE TABLE attachments (
	interview_id TEXT NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
	field        TEXT NOT NULL,
	name         TEXT NOT NULL,
	sha256       TEXT NOT NULL REFERENCES blobs (sha256),
	size         INTEGER NOT NULL,
	type         TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (interview_id, field, name)
) STRICT;
CREATE INDEX attachments_sha256 ON attachments (sha256);

CREATE TABLE forms (
	hash     TEXT PRIMARY KEY,
	form_id  TEXT NOT NULL,
	version  TEXT NOT NULL,
	compiled BLOB NOT NULL,
	added    INTEGER NOT NULL
) STRICT;

CREATE TABLE enumerators (
	id       TEXT PRIMARY KEY,
	pin_hash TEXT NOT NULL,
	updated  INTEGER NOT NULL
) STRICT;

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;
