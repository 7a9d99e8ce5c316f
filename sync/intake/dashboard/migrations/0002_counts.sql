-- Dashboard schema, version 2: interview counts kept by triggers on the
-- projection, so that the completion page, the filter menus and the match
-- count read thousands of rows instead of a million. dash_totals has no
-- dates (a few rows per enumerator); dash_counts adds the day, first in
-- its key, for the chart and date-filtered counts (a range of days).
CREATE TABLE dash_counts (
	day           TEXT NOT NULL,
	form          TEXT NOT NULL,
	post          TEXT NOT NULL,
	enumerator    TEXT NOT NULL,
	device        TEXT NOT NULL,
	status        TEXT NOT NULL,
	review        TEXT NOT NULL,
	n             INTEGER NOT NULL,
	last_received TEXT NOT NULL, -- never decreases: the last time one was received
	PRIMARY KEY (day, form, post, enumerator, device, status, review)
) WITHOUT ROWID;

INSERT INTO dash_counts (day, form, post, enumerator, device, status, review, n, last_received)
	SELECT day, form, post, enumerator, device, status, review, count(*), max(received)
	FROM dash_interviews GROUP BY day, form, post, enumerator, device, status, review;

CREATE TRIGGER dash_counts_insert AFTER INSERT ON dash_interviews BEGIN
	INSERT INTO dash_counts (day, form, post, enumerator, device, status, review, n, last_received)
	VALUES (NEW.day, NEW.form, NEW.post, NEW.enumerator, NEW.device, NEW.status, NEW.review, 1, NEW.received)
	ON CONFLICT DO UPDATE SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;

CREATE TRIGGER dash_counts_update AFTER UPDATE OF day, form, post, enumerator, device, status, review, received ON dash_interviews BEGIN
	UPDATE dash_counts SET n = n - 1
	WHERE day = OLD.day AND form = OLD.form AND post = OLD.post AND enumerator = OLD.enumerator
		AND device = OLD.device AND status = OLD.status AND review = OLD.review;
	DELETE FROM dash_counts
	WHERE day = OLD.day AND form = OLD.form AND post = OLD.post AND enumerator = OLD.enumerator
		AND device = OLD.device AND status = OLD.status AND review = OLD.review AND n <= 0;
	INSERT INTO dash_counts (day, form, post, enumerator, device, status, review, n, last_received)
	VALUES (NEW.day, NEW.form, NEW.post, NEW.enumerator, NEW.device, NEW.status, NEW.review, 1, NEW.received)
	ON CONFLICT DO UPDATE SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;

CREATE TRIGGER dash_counts_delete AFTER DELETE ON dash_interviews BEGIN
	UPDATE dash_counts SET n = n - 1
	WHERE day = OLD.day AND form = OLD.form AND post = OLD.post AND enumerator = OLD.enumerator
		AND device = OLD.device AND status = OLD.status AND review = OLD.review;
	DELETE FROM dash_counts
	WHERE day = OLD.day AND form = OLD.form AND post = OLD.post AND enumerator = OLD.enumerator
		AND device = OLD.device AND status = OLD.status AND review = OLD.review AND n <= 0;
END;


CREATE TABLE dash_totals (
	form          TEXT NOT NULL,
	post          TEXT NOT NULL,
	enumerator    TEXT NOT NULL,
	device        TEXT NOT NULL,
	status        TEXT NOT NULL,
	review        TEXT NOT NULL,
	n             INTEGER NOT NULL,
	last_received TEXT NOT NULL, -- never decreases: the last time one was received
	PRIMARY KEY (form, post, enumerator, device, status, review)
) WITHOUT ROWID;

INSERT INTO dash_totals (form, post, enumerator, device, status, review, n, last_received)
	SELECT form, post, enumerator, device, status, review, count(*), max(received)
	FROM dash_interviews GROUP BY form, post, enumerator, device, status, review;

CREATE TRIGGER dash_totals_insert AFTER INSERT ON dash_interviews BEGIN
	INSERT INTO dash_totals (form, post, enumerator, device, status, review, n, last_received)
	VALUES (NEW.form, NEW.post, NEW.enumerator, NEW.device, NEW.status, NEW.review, 1, NEW.received)
	ON CONFLICT DO UPDATE SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;

CREATE TRIGGER dash_totals_update AFTER UPDATE OF form, post, enumerator, device, status, review, received ON dash_interviews BEGIN
	UPDATE dash_totals SET n = n - 1
	WHERE form = OLD.form AND post = OLD.post AND enumerator = OLD.enumerator
		AND device = OLD.device AND status = OLD.status AND review = OLD.review;
	DELETE FROM dash_totals
	WHERE form = OLD.form AND post = OLD.post AND enumerator = OLD.enumerator
		AND device = OLD.device AND status = OLD.status AND review = OLD.review AND n <= 0;
	INSERT INTO dash_totals (form, post, enumerator, device, status, review, n, last_received)
	VALUES (NEW.form, NEW.post, NEW.enumerator, NEW.device, NEW.status, NEW.review, 1, NEW.received)
	ON CONFLICT DO UPDATE SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;

CREATE TRIGGER dash_totals_delete AFTER DELETE ON dash_interviews BEGIN
	UPDATE dash_totals SET n = n - 1
	WHERE form = OLD.form AND post = OLD.post AND enumerator = OLD.enumerator
		AND device = OLD.device AND status = OLD.status AND review = OLD.review;
	DELETE FROM dash_totals
	WHERE form = OLD.form AND post = OLD.post AND enumerator = OLD.enumerator
		AND device = OLD.device AND status = OLD.status AND review = OLD.review AND n <= 0;
END;

