-- Office schema, version 1 (SQLite). The office's tables, prefixed office_,
-- live in the intake's database file beside the intake's and the old
-- dashboard's (dash_*), with their versions in office_schema. Times are
-- text, UTC, fixed width (they sort); flags are 0/1.

CREATE TABLE office_meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE office_counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO office_counters (name, value) VALUES ('notice', 0);

CREATE TABLE office_users (
	name     TEXT PRIMARY KEY,
	role     TEXT NOT NULL,
	hash     TEXT NOT NULL,
	created  TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE office_scopes (
	user_name TEXT NOT NULL,
	kind      TEXT NOT NULL, -- post, enumerator
	value     TEXT NOT NULL,
	PRIMARY KEY (user_name, kind, value)
) WITHOUT ROWID;

CREATE TABLE office_sessions (
	hash      TEXT PRIMARY KEY,
	user_name TEXT NOT NULL,
	csrf      TEXT NOT NULL,
	created   TEXT NOT NULL,
	expires   TEXT NOT NULL
);
CREATE INDEX office_sessions_user ON office_sessions (user_name);

CREATE TABLE office_login_failures (
	key TEXT NOT NULL,
	at  TEXT NOT NULL
);
CREATE INDEX office_login_failures_key ON office_login_failures (key, at);

CREATE TABLE office_reviews (
	id         TEXT PRIMARY KEY,
	revision   INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	enumerator TEXT NOT NULL,
	state      TEXT NOT NULL,
	acked      INTEGER NOT NULL DEFAULT 0,
	acked_at   TEXT NOT NULL DEFAULT '',
	notice     INTEGER NOT NULL DEFAULT 0,
	by_user    TEXT NOT NULL DEFAULT '',
	at         TEXT NOT NULL
);
CREATE INDEX office_reviews_pending ON office_reviews (enumerator, notice) WHERE state = 'rejected' AND acked = 0;
CREATE INDEX office_reviews_state ON office_reviews (state);

CREATE TABLE office_history (
	seq       INTEGER PRIMARY KEY,
	id        TEXT NOT NULL,
	revision  INTEGER NOT NULL,
	action    TEXT NOT NULL,
	comment   TEXT NOT NULL DEFAULT '',
	questions TEXT NOT NULL DEFAULT '',
	by_user   TEXT NOT NULL,
	at        TEXT NOT NULL
);
CREATE INDEX office_history_id ON office_history (id, seq);

CREATE TABLE office_notices (
	seq        INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL,
	id         TEXT NOT NULL,
	revision   INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	enumerator TEXT NOT NULL,
	comment    TEXT NOT NULL DEFAULT '',
	questions  TEXT NOT NULL DEFAULT '',
	by_user    TEXT NOT NULL,
	at         TEXT NOT NULL,
	withdraws  INTEGER NOT NULL DEFAULT 0,
	withdrawn  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX office_notices_enum ON office_notices (enumerator, seq);

CREATE TABLE office_choices (
	id       TEXT NOT NULL,
	revision INTEGER NOT NULL,
	hash     TEXT NOT NULL,
	by_user  TEXT NOT NULL,
	at       TEXT NOT NULL,
	PRIMARY KEY (id, revision)
) WITHOUT ROWID;

CREATE TABLE office_dupkeys (
	form  TEXT NOT NULL,
	id    TEXT NOT NULL,
	exact TEXT NOT NULL,
	num   REAL NOT NULL,
	has_n INTEGER NOT NULL,
	day   TEXT NOT NULL,
	PRIMARY KEY (form, id)
) WITHOUT ROWID;
CREATE INDEX office_dupkeys_rule ON office_dupkeys (form, exact, day);

CREATE TABLE office_pairs (
	a       TEXT NOT NULL,
	b       TEXT NOT NULL,
	form    TEXT NOT NULL,
	state   TEXT NOT NULL,
	found   TEXT NOT NULL,
	by_user TEXT NOT NULL,
	at      TEXT NOT NULL,
	PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX office_pairs_b ON office_pairs (b);
CREATE INDEX office_pairs_state ON office_pairs (state, found);

CREATE TABLE office_targets (
	scope  TEXT NOT NULL,
	key    TEXT NOT NULL,
	period TEXT NOT NULL,
	n      INTEGER NOT NULL,
	PRIMARY KEY (scope, key, period)
) WITHOUT ROWID;

CREATE TABLE office_devices (
	token_id   TEXT PRIMARY KEY,
	enumerator TEXT NOT NULL,
	post       TEXT NOT NULL DEFAULT '',
	last_sync  TEXT NOT NULL,
	drafts     INTEGER NOT NULL DEFAULT -1,
	drafts_at  TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE office_audit (
	seq       INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	user_name TEXT NOT NULL,
	action    TEXT NOT NULL,
	target    TEXT NOT NULL,
	detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX office_audit_action ON office_audit (action, seq);
