-- Dashboard schema, version 3: personal API tokens of office users (the
-- OData feed and the data API). Only the SHA-256 of a token is stored; a
-- token acts with its user's role and scope, and ends with the user.
CREATE TABLE dash_api_tokens (
	hash      TEXT PRIMARY KEY,
	user      TEXT NOT NULL REFERENCES dash_users (name) ON DELETE CASCADE,
	created   TEXT NOT NULL,
	last_used TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dash_api_tokens_user ON dash_api_tokens (user);
