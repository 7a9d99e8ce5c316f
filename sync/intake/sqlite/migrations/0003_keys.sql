-- Office identities, enrolled devices, recovery copies of laptops' data
-- keys, offline enrolments and PIN reset packages (survey/SECURITY.md).
CREATE TABLE office_keys (
	generation INTEGER PRIMARY KEY,
	identity   TEXT NOT NULL,
	recipient  TEXT NOT NULL,
	created    TEXT NOT NULL
);

CREATE TABLE devices (
	id         TEXT PRIMARY KEY,
	key        BLOB NOT NULL,
	first_seen TEXT NOT NULL,
	last_seen  TEXT NOT NULL,
	revoked    TEXT NOT NULL DEFAULT ''
);

-- enumerator as first enrolled; folded is its lower case (ids are
-- case-insensitive).
CREATE TABLE device_enumerators (
	device     TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
	folded     TEXT NOT NULL,
	enumerator TEXT NOT NULL,
	PRIMARY KEY (device, folded)
);

CREATE TABLE recovery_copies (
	device     TEXT NOT NULL,
	folded     TEXT NOT NULL,
	enumerator TEXT NOT NULL,
	copy       BLOB NOT NULL,
	updated    TEXT NOT NULL,
	PRIMARY KEY (device, folded)
);
CREATE INDEX recovery_copies_enumerator ON recovery_copies (folded);

CREATE TABLE enrolments (
	id          TEXT PRIMARY KEY,
	code_hash   TEXT NOT NULL,
	enumerators TEXT NOT NULL, -- JSON array
	created     TEXT NOT NULL,
	used        TEXT NOT NULL DEFAULT '',
	device      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE pin_resets (
	seq        INTEGER PRIMARY KEY,
	folded     TEXT NOT NULL,
	enumerator TEXT NOT NULL,
	device     TEXT NOT NULL,
	package    BLOB NOT NULL,
	created    TEXT NOT NULL
);
CREATE INDEX pin_resets_enumerator ON pin_resets (folded, seq);

-- Uses of the office's secret key (`sira intake key --secret`, rotations,
-- PIN resets, recoveries): who, when, what.
CREATE TABLE key_events (
	seq    INTEGER PRIMARY KEY,
	at     TEXT NOT NULL,
	who    TEXT NOT NULL,
	action TEXT NOT NULL,
	detail TEXT NOT NULL
);
