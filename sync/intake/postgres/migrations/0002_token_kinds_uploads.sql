-- Relay tokens beside device tokens (issue 10), and the time an unfinished
-- upload was last appended to, so that abandoned uploads expire.
ALTER TABLE tokens ADD COLUMN kind text NOT NULL DEFAULT 'device';
ALTER TABLE tokens ADD COLUMN relay text NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN posts text NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN touched timestamptz; -- NULL: written before this migration
CREATE INDEX attachments_unfinished ON attachments (touched) WHERE NOT complete;
