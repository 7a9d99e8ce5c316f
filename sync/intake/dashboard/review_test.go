package dashboard_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"sira/office"
)

// TestReviewLoopSettles: per-question comments travel with a rejection;
// approving before the laptop acknowledged withdraws it (a withdrawal is
// queued, the page says approved); after the laptop acknowledged, the
// approval is refused with the reason.
func TestReviewLoopSettles(t *testing.T) {
	e, gogui, _ := seeded(t)
	b := e.signedIn("sup")
	iv := gogui[0]
	page := b.get(ivPath(iv.ID))
	mustContain(t, page.body, `form="reject-form" name="q:/data/interview/demographics/age"`)
	p := b.postForm(ivPath(iv.ID), ivPath(iv.ID)+"/reject", url.Values{"comment": {"voir l'âge"},
		"q:/data/interview/demographics/age": {"pas l'âge de la carte"}, "q:/data/x": {"  "}, "nope": {"x"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("reject: %d %s", p.status, p.body)
	}
	ns, err := e.office.Notices(e.ctx, "awa", 0, 10)
	must(t, err)
	want := []office.QuestionComment{{Field: "/data/interview/demographics/age", Comment: "pas l'âge de la carte"}}
	if len(ns) != 1 || !slices.Equal(ns[0].Questions, want) {
		t.Fatalf("notices = %+v", ns)
	}
	mustContain(t, b.get(ivPath(iv.ID)).body, `id="delivery"`, "pas encore atteint", "pas l&#39;âge de la carte")
	if p := b.postForm(ivPath(iv.ID), ivPath(iv.ID)+"/approve", nil); p.status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", p.status, p.body)
	}
	ns, _ = e.office.Notices(e.ctx, "awa", 0, 10)
	if len(ns) != 1 || ns[0].Kind != office.NoticeWithdraw {
		t.Errorf("after approving: notices %+v, want the withdrawal only", ns)
	}
	if n := e.count(`SELECT count(*) FROM dash_interviews WHERE id = ? AND review = 'approved'`, iv.ID); n != 1 {
		t.Errorf("the projection does not say approved")
	}
	mustContain(t, b.get(ivPath(iv.ID)).body, "renvoi retiré")

	// Another one, which the laptop acknowledges before the approval.
	other := gogui[1]
	b.postForm(ivPath(other.ID), ivPath(other.ID)+"/reject", url.Values{"comment": {"non"}})
	r, err := e.office.Review(e.ctx, other.ID)
	must(t, err)
	must(t, e.office.Acknowledge(e.ctx, "awa", r.Notice, time.Now()))
	mustContain(t, b.get(ivPath(other.ID)).body, "a atteint l&#39;ordinateur")
	p = b.postForm(ivPath(other.ID), ivPath(other.ID)+"/approve", nil)
	if p.status != http.StatusConflict || !strings.Contains(p.body, "ne peut plus être retiré") {
		t.Errorf("approving a delivered rejection: %d", p.status)
	}
	if n := e.count(`SELECT count(*) FROM dash_interviews WHERE id = ? AND review = 'rejected'`, other.ID); n != 1 {
		t.Errorf("the refused approval changed the projection")
	}
	if p := b.postForm(ivPath(other.ID), ivPath(other.ID)+"/reject", url.Values{"comment": {"encore"}}); p.status != http.StatusConflict {
		t.Errorf("rejecting twice: %d", p.status)
	}
}
