package dashboard

import (
	"context"

	"sira/office"
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
	n := -1
	if drafts != nil && *drafts >= 0 {
		n = *drafts
	}
	now := d.now()
	err := d.office.RecordSync(ctx, office.Device{TokenID: tok.ID, Enumerator: tok.Enumerator, LastSync: now, Drafts: n, DraftsAt: now})
	if err != nil {
		d.log.Error("dashboard: record device sync", "token", tok.ID, "err", err)
	}
}
