-- Dashboard schema, version 1. These tables live in the intake's database
-- file but belong to the dashboard; its versions are in dashboard_schema.

CREATE TABLE dash_users (
	name     TEXT PRIMARY KEY,
	role     TEXT NOT NULL,
	hash     TEXT NOT NULL,
	created  TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0
);

-- What a supervisor sees and reviews: border posts and enumerators.
CREATE TABLE dash_assignments (
	user  TEXT NOT NULL REFERENCES dash_users (name) ON DELETE CASCADE,
	kind  TEXT NOT NULL, -- "post" or "enumerator"
	value TEXT NOT NULL,
	PRIMARY KEY (user, kind, value)
) WITHOUT ROWID;

-- Only the sha256 of the cookie's secret is stored.
CREATE TABLE dash_sessions (
	hash    TEXT PRIMARY KEY,
	user    TEXT NOT NULL REFERENCES dash_users (name) ON DELETE CASCADE,
	csrf    TEXT NOT NULL,
	created TEXT NOT NULL,
	expires TEXT NOT NULL
);

CREATE TABLE dash_audit (
	seq    INTEGER PRIMARY KEY,
	at     TEXT NOT NULL,
	user   TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dash_audit_action ON dash_audit (action, seq);

-- Key/value state: the indexer's cursor, the duplicate settings.
CREATE TABLE dash_state (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- The projection: one row per interview id, its current submission.
CREATE TABLE dash_interviews (
	id         TEXT PRIMARY KEY,
	seq        INTEGER NOT NULL,  -- the intake's seq of the current submission
	revision   INTEGER NOT NULL,
	revisions  INTEGER NOT NULL,  -- stored submissions of this id
	form       TEXT NOT NULL,
	post       TEXT NOT NULL,
	enumerator TEXT NOT NULL,
	device     TEXT NOT NULL,
	status     TEXT NOT NULL,     -- received, revised, conflict
	review     TEXT NOT NULL,     -- pending, approved, rejected
	review_rev INTEGER NOT NULL DEFAULT 0,
	started    TEXT NOT NULL,     -- RFC 3339 UTC, sorts as text
	day        TEXT NOT NULL,     -- YYYY-MM-DD of started
	received   TEXT NOT NULL,
	kx         TEXT NOT NULL DEFAULT '', -- duplicate keys: the exact-match fields' values joined
	kn         REAL                        -- duplicate keys: the numeric field (age ±1)
);
CREATE INDEX dash_iv_started ON dash_interviews (started, id);
CREATE INDEX dash_iv_form ON dash_interviews (form, started, id);
CREATE INDEX dash_iv_post ON dash_interviews (post, started, id);
CREATE INDEX dash_iv_enum ON dash_interviews (enumerator, started, id);
CREATE INDEX dash_iv_status ON dash_interviews (status, started, id);
CREATE INDEX dash_iv_review ON dash_interviews (review, started, id);
CREATE INDEX dash_iv_day ON dash_interviews (day, post, enumerator);
CREATE INDEX dash_iv_keys ON dash_interviews (form, kx, day) WHERE kx != '';
CREATE INDEX dash_iv_device ON dash_interviews (device, received);

-- Review decisions, kept as history.
CREATE TABLE dash_reviews (
	seq      INTEGER PRIMARY KEY,
	id       TEXT NOT NULL,
	revision INTEGER NOT NULL,
	action   TEXT NOT NULL, -- approve, reject
	comment  TEXT NOT NULL,
	by       TEXT NOT NULL,
	at       TEXT NOT NULL
);
CREATE INDEX dash_reviews_id ON dash_reviews (id, seq);

-- Targets an admin sets: kind "post" or "enumerator".
CREATE TABLE dash_targets (
	kind   TEXT NOT NULL,
	key    TEXT NOT NULL,
	target INTEGER NOT NULL,
	PRIMARY KEY (kind, key)
) WITHOUT ROWID;

-- Devices as seen by the sync API: one row per device token.
CREATE TABLE dash_devices (
	token_id   TEXT PRIMARY KEY,
	enumerator TEXT NOT NULL,
	last_sync  TEXT NOT NULL,
	drafts     INTEGER NOT NULL DEFAULT -1, -- -1: the laptop did not say
	drafts_at  TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- Decisions on probable duplicates (a < b) and on exact-id conflicts (b = '').
CREATE TABLE dash_decisions (
	kind  TEXT NOT NULL, -- duplicate, conflict
	a     TEXT NOT NULL,
	b     TEXT NOT NULL,
	state TEXT NOT NULL, -- confirmed, dismissed
	by    TEXT NOT NULL,
	at    TEXT NOT NULL,
	PRIMARY KEY (kind, a, b)
) WITHOUT ROWID;
