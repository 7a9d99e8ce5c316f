-- Relay tokens beside device tokens (issue 10), and the time an unfinished
-- upload was last appended to, so that abandoned uploads expire.
ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'device';
ALTER TABLE tokens ADD COLUMN relay TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN posts TEXT NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN touched TEXT NOT NULL DEFAULT '';
CREATE INDEX attachments_unfinished ON attachments (touched) WHERE complete = 0;
