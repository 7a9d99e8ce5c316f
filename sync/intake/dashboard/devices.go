package dashboard

import (
	"context"

	"sira/sync/intake"
)

// RecordSync records, for a device token, the time of its last answered
// sync request and, when the laptop reported it, how many drafts wait on
// it. It is the intake server's Config.OnSync: the server calls it after
// authenticating the token and answering, so a refused request records
// nothing. A failure is logged, never returned: the laptop's sync must not
// fail because the dashboard could not note it.
func (d *Dashboard) RecordSync(ctx context.Context, tok *intake.Token, drafts *int) {
	if tok == nil || !tok.Revoked.IsZero() {
		return
	}
	n := int64(-1)
	if drafts != nil && *drafts >= 0 {
		n = int64(*drafts)
	}
	now := stamp(d.now())
	_, err := d.db.ExecContext(ctx, `INSERT INTO dash_devices (token_id, enumerator, last_sync, drafts, drafts_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (token_id) DO UPDATE SET enumerator = excluded.enumerator, last_sync = excluded.last_sync,
			drafts = CASE WHEN excluded.drafts >= 0 THEN excluded.drafts ELSE dash_devices.drafts END,
			drafts_at = CASE WHEN excluded.drafts >= 0 THEN excluded.drafts_at ELSE dash_devices.drafts_at END`,
		tok.ID, tok.Enumerator, now, n, now)
	if err != nil {
		d.log.Error("dashboard: record device sync", "token", tok.ID, "err", err)
	}
}
