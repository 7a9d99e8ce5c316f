package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"sira/export"
	"sira/forms"
	"sira/office"
	"sira/survey"
	"sira/sync/intake"
)

// Answer is one line of the interview page: a heading (group, repeat,
// instance) or a question with its answer as displayed.
type Answer struct {
	Depth   int
	Heading bool
	Label   string
	Value   string
	Name    string
	Ref     string // the question's reference (path with repeat indices): per-question comments name it
}

// event is one line of an interview's history.
type event struct {
	At        time.Time
	Revision  int
	Kind      string // submission, approve, reject, withdraw, delivered, choose
	Detail    string
	Questions []office.QuestionComment
	By        string
	Current   bool
	Conflict  bool
	Seq       int64 // submissions: to view that version
}

type interviewData struct {
	Row        *Row
	IV         *survey.Interview
	FormTitle  string
	Answers    []Answer
	History    []event
	AnswerLang string
	Done       string
	Shown      *event // the submission shown when not the current one
	Review     *office.Review
}

// languageOf returns the form language whose code is code ("fr"), or "".
func languageOf(f *forms.Form, code string) string {
	for _, l := range f.Languages {
		if strings.HasSuffix(strings.ToLower(l), "("+code+")") || strings.EqualFold(l, code) {
			return l
		}
	}
	return ""
}

// Answers renders iv's visible answers with their labels in language code
// ("fr", "en"), in form order, through the survey engine (relevance,
// repeats and ${} in labels as the enumerator saw them).
func Answers(f *forms.Form, iv *survey.Interview, code string) ([]Answer, error) {
	lang := languageOf(f, code)
	e, err := survey.NewEngine(f, iv, survey.EngineOptions{Language: lang, Location: time.UTC})
	if err != nil {
		return nil, err
	}
	var out []Answer
	question := func(ref survey.Ref, depth int) {
		n := f.Node(ref.Path)
		if n == nil || n.Type == forms.TypeNote {
			return
		}
		out = append(out, Answer{Depth: depth, Label: e.Label(ref), Value: display(f, n, e.Value(ref), lang), Name: n.Name, Ref: ref.String()})
	}
	for _, it := range e.Items() {
		switch it.Kind {
		case survey.ItemQuestion:
			question(it.Ref, it.Depth)
		case survey.ItemFieldList:
			out = append(out, Answer{Depth: it.Depth, Heading: true, Label: export.Text(it.Node.Label, lang, f.Languages)})
			for _, r := range it.Fields {
				question(r, it.Depth+1)
			}
		case survey.ItemGroup, survey.ItemRepeat:
			out = append(out, Answer{Depth: it.Depth, Heading: true, Label: export.Text(it.Node.Label, lang, f.Languages)})
		case survey.ItemInstance:
			out = append(out, Answer{Depth: it.Depth, Heading: true, Label: fmt.Sprintf("%s %d", export.Text(it.Node.Label, lang, f.Languages), it.Index)})
		}
	}
	return out, nil
}

// display shows a stored value: choice labels for selects.
func display(f *forms.Form, n *forms.Node, v, lang string) string {
	if v == "" {
		return ""
	}
	list := export.ListOf(f, n)
	if list == nil {
		return v
	}
	label := func(name string) string {
		for _, c := range list.Choices {
			if c.Name == name {
				if l := export.Text(c.Label, lang, f.Languages); l != "" {
					return l
				}
			}
		}
		return name
	}
	if n.Type == forms.TypeSelectOne || n.Type == forms.TypeSelectFile {
		return label(v)
	}
	var parts []string
	for _, x := range strings.Fields(v) {
		parts = append(parts, label(x))
	}
	return strings.Join(parts, " ; ")
}

func (d *Dashboard) interview(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	row, err := d.visible(ctx, s.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := d.view(w, r, s, "interview")
	data := &interviewData{Row: row, AnswerLang: r.URL.Query().Get("alang"), Done: r.URL.Query().Get("done")}
	if data.AnswerLang != "fr" && data.AnswerLang != "en" {
		data.AnswerLang = v.Lang
	}
	subs, err := d.store.Submissions(ctx, row.ID)
	if err != nil {
		return err
	}
	var cur *intake.StoredInterview
	for i := range subs {
		if subs[i].Seq == 0 {
			continue
		}
		if subs[i].Current && (cur == nil || subs[i].Seq > cur.Seq) {
			cur = &subs[i]
		}
		verb := "submission"
		data.History = append(data.History, event{At: subs[i].Received, Revision: subs[i].Revision, Kind: verb,
			Detail: subs[i].Hash, By: subs[i].Enumerator, Current: subs[i].Current, Conflict: subs[i].Conflict, Seq: subs[i].Seq})
	}
	if cur == nil {
		return errStatus(http.StatusNotFound, "err_notfound")
	}
	// A conflict settled by choosing a copy: that copy is the interview.
	if c, err := d.office.Choice(ctx, row.ID, cur.Revision); err == nil {
		for i := range subs {
			if subs[i].Revision == c.Revision && subs[i].Hash == c.Hash {
				cur = &subs[i]
			}
		}
	} else if !errors.Is(err, office.ErrNotFound) {
		return err
	}
	// ?seq= shows another stored version: an older revision, or the other
	// side of a conflict.
	if q := r.URL.Query().Get("seq"); q != "" {
		for i := range subs {
			if strconv.FormatInt(subs[i].Seq, 10) == q {
				cur = &subs[i]
				data.Shown = &event{At: cur.Received, Revision: cur.Revision, Detail: cur.Hash, Seq: cur.Seq}
			}
		}
		if data.Shown == nil {
			return errStatus(http.StatusNotFound, "err_notfound")
		}
	}
	revs, err := d.reviews(ctx, row.ID)
	if err != nil {
		return err
	}
	data.History = append(data.History, revs...)
	if rv, err := d.office.Review(ctx, row.ID); err == nil && rv.Revision == row.Revision {
		data.Review = rv
	} else if err != nil && !errors.Is(err, office.ErrNotFound) {
		return err
	}
	// By revision, each revision's submissions before the decisions on it:
	// the order of events whatever the clocks said.
	sort.SliceStable(data.History, func(i, j int) bool {
		a, b := data.History[i], data.History[j]
		if a.Revision != b.Revision {
			return a.Revision < b.Revision
		}
		if (a.Kind == "submission") != (b.Kind == "submission") {
			return a.Kind == "submission"
		}
		return a.At.Before(b.At)
	})
	if data.IV, err = decodeBody(cur.Body); err != nil {
		return fmt.Errorf("interview %s: decode: %w", row.ID, err)
	}
	fi, err := d.formByHash(ctx, cur.FormHash)
	if err != nil {
		return err
	}
	if fi.form != nil {
		data.FormTitle = export.Text(fi.form.Title, data.AnswerLang, fi.form.Languages)
		if data.Answers, err = Answers(fi.form, data.IV, data.AnswerLang); err != nil {
			return err
		}
	}
	d.audit(ctx, s.user.Name, AuditView, row.ID, fmt.Sprintf("revision %d", row.Revision))
	v.Data = data
	if data.Done == "approved" || data.Done == "rejected" {
		v.Flash = v.T(data.Done + "_flash")
	}
	d.render(w, http.StatusOK, "interview", v)
	return nil
}

// reviews returns id's review history from the office domain.
func (d *Dashboard) reviews(ctx context.Context, id string) ([]event, error) {
	hs, err := d.office.History(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reviews of %s: %w", id, err)
	}
	out := make([]event, 0, len(hs))
	for _, h := range hs {
		out = append(out, event{At: h.At, Revision: h.Revision, Kind: h.Action, Detail: h.Comment, Questions: h.Questions, By: h.By})
	}
	return out, nil
}
