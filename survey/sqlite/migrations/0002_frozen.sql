-- Schema version 2: the database itself refuses changes to the content of
-- an interview that is no longer a draft, whatever the code above it does.
-- Finalize sets ended and content_hash while the row is still a draft;
-- Reopen changes only lifecycle columns.

CREATE TRIGGER interviews_frozen
BEFORE UPDATE OF id, form_id, form_version, form_hash, enumerator, device_id, started, data ON interviews
WHEN OLD.status <> 'draft'
BEGIN
	SELECT RAISE(ABORT, 'sira: interview is not a draft');
END;

CREATE TRIGGER interviews_keep
BEFORE DELETE ON interviews
WHEN OLD.status <> 'draft'
BEGIN
	SELECT RAISE(ABORT, 'sira: only drafts can be deleted');
END;
