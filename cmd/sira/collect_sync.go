package main

import (
	"context"
	"errors"
	"fmt"

	"sira/survey"
	"sira/sync/client"
)

// collectSync is the collector's home-screen sync: the session sira sync
// runs, with the server and token sira sync remembered, and a result in the
// enumerator's words in French or English.
func collectSync(st survey.Store, french bool) func(ctx context.Context, progress func(done, total int)) (string, error) {
	tr := func(en, fr string) string {
		if french {
			return fr
		}
		return en
	}
	return func(ctx context.Context, progress func(done, total int)) (string, error) {
		url, tok, err := syncTarget(ctx, st, "", "")
		if err != nil {
			if errors.Is(err, errUsage) {
				return "", errors.New(tr("no server set up yet: ask your supervisor to run sira sync --server URL --token T once",
					"aucun serveur configuré : demandez au superviseur de lancer une fois sira sync --server URL --token T"))
			}
			return "", err
		}
		cl, err := client.New(client.Config{URL: url, Token: tok, Progress: func(p client.Progress) {
			progress(p.Interviews, p.Total)
		}})
		if err != nil {
			return "", err
		}
		res, err := cl.Sync(ctx, st)
		if res != nil && (err == nil || res.Acknowledged > 0) {
			if serr := rememberTarget(ctx, st, url, tok); serr != nil && err == nil {
				err = serr
			}
		}
		if err != nil {
			return "", fmt.Errorf("%s: %w", tr("sync stopped, press F7 again to resume", "synchronisation interrompue, F7 pour reprendre"), err)
		}
		msg := fmt.Sprintf(tr("%d sent, %d rejected back to you", "%d envoyés, %d rejetés vous reviennent"), res.Acknowledged, res.Rejections)
		if n := len(res.Quarantined); n > 0 {
			msg += fmt.Sprintf(tr(", %d refused by the server", ", %d refusés par le serveur"), n)
		}
		return msg + ".", nil
	}
}
