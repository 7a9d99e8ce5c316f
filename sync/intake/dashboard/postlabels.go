package dashboard

import (
	"context"
	"time"

	"sira/export"
)

// postLabels maps border post codes to their labels in lang, from the
// choices of the post question (Config.PostField) of every published form,
// newer forms last so that their labels win. Supervisors know the posts
// by name ("Gogui (frontière mauritanienne…)"), not by code.
//
// The forms are read at most every postLabelsTTL: the list changes only
// when a form is published, and the pages must not decode every form's
// JSON per request.
func (d *Dashboard) postLabels(ctx context.Context, lang string) map[string]string {
	d.plMu.Lock()
	defer d.plMu.Unlock()
	now := d.now()
	if d.plByLang == nil || now.Sub(d.plAt) > postLabelsTTL {
		d.plByLang = map[string]map[string]string{}
		d.plAt = now
		all, err := d.store.Forms(ctx)
		if err != nil {
			d.log.Warn("dashboard: post labels", "err", err)
			return nil
		}
		for _, pf := range all {
			fi, err := d.formByHash(ctx, pf.Hash)
			if err != nil || fi.form == nil {
				continue
			}
			n := fi.form.Node(fi.path[d.postField])
			if n == nil || n.List == nil {
				continue
			}
			for _, l := range []string{"fr", "en"} {
				m := d.plByLang[l]
				if m == nil {
					m = map[string]string{}
					d.plByLang[l] = m
				}
				for _, c := range n.List.Choices {
					if s := export.Text(c.Label, l, fi.form.Languages); s != "" {
						m[c.Name] = s
					}
				}
			}
		}
	}
	return d.plByLang[lang]
}

// postLabelsTTL bounds how stale the post labels may be after a publish.
const postLabelsTTL = time.Minute
