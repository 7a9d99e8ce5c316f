package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sira/forms"
	"sira/survey"
)

// Backend is what the app needs of the laptop: the enumerator's sign-in, the
// forms it can fill and the interviews stored so far. NewBackend adapts the
// engine and the SQLite store to it.
type Backend interface {
	// SignIn checks the enumerator's PIN. On the enumerator's first sign-in on
	// this laptop the PIN is set (stored hashed) and firstUse is true. A wrong
	// PIN returns ErrBadPIN.
	SignIn(ctx context.Context, enumerator, pin string) (firstUse bool, err error)
	// DeviceID is the laptop's id, created once.
	DeviceID(ctx context.Context) (string, error)
	// Forms lists the forms available for new interviews.
	Forms() []FormInfo
	// Counts counts the stored interviews by status.
	Counts(ctx context.Context) (map[survey.Status]int, error)
	// List lists the interviews in any of the statuses, most recent first,
	// without their Name; Name computes it (the form's instance_name on
	// the answers, which opens the interview).
	List(ctx context.Context, statuses ...survey.Status) ([]Summary, error)
	Name(ctx context.Context, s Summary) string
	// New starts a draft of formID for the enumerator and stores it.
	New(ctx context.Context, formID, enumerator string) (Session, error)
	// Open opens a stored interview: drafts are editable, others read-only.
	Open(ctx context.Context, id string) (Session, error)
	// Reopen turns a rejected interview back into a draft and opens it.
	Reopen(ctx context.Context, id string) (Session, error)
	// Delete removes a draft for good. It is recorded first: a "delete"
	// event in its paradata, and the id, time and enumerator in the
	// laptop's settings, which outlive the interview.
	Delete(ctx context.Context, id, enumerator string) error
	// Setting reads one of the app's preferences on this laptop ("" when
	// never set); SetSetting stores one.
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
	// Office returns the fingerprint of the office key this laptop is
	// enrolled with ("" when it was never enrolled: a stand-alone demo).
	Office(ctx context.Context) (string, error)
}

// FormInfo describes one form on the home screen.
type FormInfo struct {
	ID, Version, Title string
}

// Summary is one interview in a list.
type Summary struct {
	ID         string
	FormID     string
	Status     survey.Status
	Enumerator string
	Revision   int
	Comment    string // the supervisor's comment on a rejection
	Updated    time.Time
	Started    time.Time
	// Name is the form's instance_name evaluated on the answers
	// ("diboli-2026-12-07"); "" when the form has none.
	Name string
}

// Session is one interview opened in the app: the engine's view of it (pages,
// relevance, validation, languages, repeats) bound to the store, so every Set
// is durable when it returns.
type Session interface {
	// ID is the interview's id ("uuid:…").
	ID() string
	// Comment is the supervisor's comment on a rejected interview
	// reopened as a draft ("" otherwise).
	Comment() string
	// QuestionComment is the supervisor's comment on the question at ref
	// (a Field's Ref) in that rejection ("" when none).
	QuestionComment(ref string) string
	// Editable reports whether answers may change (drafts only).
	Editable() bool
	// Title is the form's title in the active language.
	Title() string
	// Pages lists the screens in order: one question, a field-list group,
	// or a prompt to add a repeat instance. It changes as answers change.
	Pages() []Page
	// Set records an answer (the encoding of survey.Record values) and saves
	// it durably. The empty string clears it.
	// A change that would remove repeat instances holding answers (a
	// repeat count lowered or cleared) is refused with a *DropError and
	// nothing changes; SetDropping makes it after the enumerator agreed.
	Set(ctx context.Context, ref, value string) error
	SetDropping(ctx context.Context, ref, value string) error
	// Value is the stored form of the answer at ref, as Set normalised it
	// ("1.50" → "1.5").
	Value(ref string) string
	// Attach copies the file at path into the interview for a media question
	// and records its name as the answer, which it returns.
	Attach(ctx context.Context, ref, path string) (string, error)
	// Check returns the message to show for the field's current answer: the
	// required or constraint message, or "" when the answer is acceptable.
	Check(ref string) string
	// Missing lists the refs of questions that block finalizing.
	Missing() []string
	// Progress counts answered required questions among the relevant ones.
	Progress() (answered, required int)
	// Languages lists the form's languages; Language is the active one.
	Languages() []string
	Language() string
	SetLanguage(ctx context.Context, lang string) error
	// AddRepeat adds an instance to the repeat addressed by of (a Ref
	// without the new instance's index, "/data/legs") and returns its ref.
	AddRepeat(ctx context.Context, of string) (string, error)
	// RemoveRepeat removes a repeat instance ("/data/legs[2]").
	RemoveRepeat(ctx context.Context, instance string) error
	// Position is the page ID the enumerator was last on ("" if none);
	// SetPosition records it durably for resume.
	// Each move is paradata: "leave" for the page left, "enter" for the
	// new one, so the time spent on each question can be measured.
	Position() string
	SetPosition(ctx context.Context, pageID string) error
	// Leave records, durably, that the enumerator left the current page
	// for the review, the index or home; the next SetPosition, even to the
	// same page, records entering it again.
	Leave(ctx context.Context) error
	// Focus records that the keyboard moved to the question at ref inside
	// a field-list page (paradata "focus": the time spent on each question
	// of a group). It is stored with the next durable write, not alone.
	Focus(ref string)
	// Finalize locks the interview; it fails while Missing is not empty.
	Finalize(ctx context.Context) error
	// Note is the enumerator's note on the question at ref ("" if none);
	// SetNote records one durably, kept with the interview (a "note"
	// event of its paradata, which sync carries), "" removing it.
	Note(ref string) string
	SetNote(ctx context.Context, ref, text string) error
}

// Page is one screen of an interview.
type Page struct {
	// ID is stable while the answers that shape the page list do not
	// change: the ref of the question, of the field-list group, or of the
	// repeat for an add prompt ("/data/legs#add").
	ID     string
	Title  string  // enclosing groups and repeat instance, for the header
	Fields []Field // empty on an add-repeat prompt
	// Repeat is set on pages inside a repeat instance and on add prompts.
	Repeat *RepeatSlot
	// Number is the page's first question's place in the form (stable
	// whatever the skip logic); 0 on an add prompt.
	Number int
}

// RepeatSlot places a page within a repeat.
type RepeatSlot struct {
	Of       string // the repeat's ref without its own index: "/data/legs"
	Instance string // "/data/legs[2]"; "" on an add prompt
	Label    string // the repeat's label in the active language
	Index    int    // 1-based; 0 on an add prompt
	Count    int    // instances so far
	Fixed    bool   // driven by repeat_count: no add or remove
}

// Field is one question as a page shows it.
type Field struct {
	Ref        string // "/data/legs[2]/country"
	Type       forms.Type
	Appearance string
	Label      string
	Hint       string
	Value      string
	Required   bool
	ReadOnly   bool
	Choices    []Choice // select questions, choice filters applied
}

// Choice is one option of a select question.
type Choice struct {
	Name, Label string
}

// display renders a field's value for the review and the lists: choice
// labels rather than names.
func (f Field) display() string {
	if f.Value == "" || len(f.Choices) == 0 {
		return displayEntry(f.Type, f.Value)
	}
	label := func(name string) string {
		for _, c := range f.Choices {
			if c.Name == name {
				return c.Label
			}
		}
		return name
	}
	if f.Type == forms.TypeSelectMulti || f.Type == forms.TypeSelectMultiFile || f.Type == forms.TypeRank {
		var out string
		for i, n := range splitFields(f.Value) {
			if i > 0 {
				out += ", "
			}
			out += label(n)
		}
		return out
	}
	return label(f.Value)
}

// DropError refuses an answer that would remove repeat instances holding
// answers; Instances names them ("Journey leg 3").
type DropError struct {
	Instances []string
}

func (e *DropError) Error() string {
	return fmt.Sprintf("this change removes %d repeat instance(s) with answers: %s", len(e.Instances), strings.Join(e.Instances, ", "))
}
