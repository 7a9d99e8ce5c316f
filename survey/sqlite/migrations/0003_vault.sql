-- Schema version 3: encryption at rest (survey/SECURITY.md). Each
-- enumerator's data key, wrapped; answers, paradata, comments and
-- attachment contents are sealed under it.

CREATE TABLE keys (
	enumerator TEXT PRIMARY KEY,   -- lower case
	pin_wrap   BLOB,               -- DK under argon2id(PIN) (vault.Wrap), DPAPI-protected on Windows
	legacy     BLOB,               -- upgrade: DK under the pre-upgrade PIN hash, until that enumerator signs in
	owner      TEXT,               -- upgrade: an enumerator without an account; DK wrapped under owner's DK
	owner_wrap BLOB,
	public     BLOB,               -- X25519 public half of DK, to seal for a locked enumerator
	recipient  TEXT,               -- the office recipient the recovery copy is for
	recovery   BLOB,               -- DK age-encrypted to recipient
	reset      BLOB,               -- a PIN reset package from the office
	updated    INTEGER NOT NULL
) STRICT;

-- The key of an attachment's content, sealed under the interview's data key.
ALTER TABLE attachments ADD COLUMN key BLOB;

-- A database written before this version is encrypted at the first sign-in.
INSERT INTO settings (key, value)
SELECT 'vault.upgrade', 'plaintext'
WHERE EXISTS (SELECT 1 FROM interviews) OR EXISTS (SELECT 1 FROM blobs) OR EXISTS (SELECT 1 FROM enumerators);

-- An enumerator's data key sealed to a laptop supervisor's (vault.SealTo
-- the supervisor's public key): a supervisor enrolled as such sees all.
CREATE TABLE supervision (
	enumerator TEXT NOT NULL,  -- lower case
	supervisor TEXT NOT NULL,  -- lower case
	wrap       BLOB NOT NULL,
	PRIMARY KEY (enumerator, supervisor)
) STRICT;
