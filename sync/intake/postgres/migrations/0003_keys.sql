-- Office identities, enrolled devices, recovery copies of laptops' data
-- keys, offline enrolments and PIN reset packages (survey/SECURITY.md).
CREATE TABLE office_keys (
	generation integer PRIMARY KEY,
	identity   text NOT NULL,
	recipient  text NOT NULL,
	created    timestamptz NOT NULL
);

CREATE TABLE devices (
	id         text PRIMARY KEY,
	key        bytea NOT NULL,
	first_seen timestamptz NOT NULL,
	last_seen  timestamptz NOT NULL,
	revoked    timestamptz
);

-- enumerator as first enrolled; folded is its lower case (ids are
-- case-insensitive).
CREATE TABLE device_enumerators (
	device     text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
	folded     text NOT NULL,
	enumerator text NOT NULL,
	PRIMARY KEY (device, folded)
);

CREATE TABLE recovery_copies (
	device     text NOT NULL,
	folded     text NOT NULL,
	enumerator text NOT NULL,
	copy       bytea NOT NULL,
	updated    timestamptz NOT NULL,
	PRIMARY KEY (device, folded)
);
CREATE INDEX recovery_copies_enumerator ON recovery_copies (folded);

CREATE TABLE enrolments (
	id          text PRIMARY KEY,
	code_hash   text NOT NULL,
	enumerators text[] NOT NULL,
	created     timestamptz NOT NULL,
	used        timestamptz,
	device      text NOT NULL DEFAULT ''
);

-- Reset packages get their seq under a lock (see Store.AddPINReset), so seq
-- order is commit order and "seq > after" never skips one.
CREATE TABLE pin_resets (
	seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	folded     text NOT NULL,
	enumerator text NOT NULL,
	device     text NOT NULL,
	package    bytea NOT NULL,
	created    timestamptz NOT NULL
);
CREATE INDEX pin_resets_enumerator ON pin_resets (folded, seq);

-- Uses of the office's secret key (`sira intake key --secret`, rotations,
-- PIN resets, recoveries): who, when, what.
CREATE TABLE key_events (
	seq    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at     timestamptz NOT NULL,
	who    text NOT NULL,
	action text NOT NULL,
	detail text NOT NULL
);
