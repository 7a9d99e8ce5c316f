package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"sira/forms"
	"sira/forms/builtin"
	"sira/survey"
	"sira/survey/sqlite"
	"sira/survey/vault"
)

// builtinForm compiles the built-in returnee survey once per test binary,
// at its frozen version: these tests script that version's screens.
var builtinForm = sync.OnceValues(func() (*forms.Form, error) {
	return builtin.Frozen(context.Background())
})

func mustForm(tb testing.TB) *forms.Form {
	tb.Helper()
	f, err := builtinForm()
	if err != nil {
		tb.Fatalf("built-in form: %v", err)
	}
	return f
}

// harness runs the app on a simulation screen against a real SQLite store.
type harness struct {
	tb    testing.TB
	ctx   context.Context
	path  string
	store *sqlite.Store
	sim   tcell.SimulationScreen
	app   *App
	done  chan error

	keys     int  // keys pressed
	stopped  bool // stop ran
	mu       sync.Mutex
	accepted map[string]string // ref → value the screen accepted
}

type harnessOpts struct {
	path     string // database; a new one in t.TempDir() if ""
	language string
	now      func() time.Time
	form     *forms.Form // the built-in survey if nil
	maxAtt   int64       // attachment cap; the store's default if 0
	uiLang   string      // Options.Language
	onAccept func(ref, value string)
	onPage   func(id string, stored bool)
	auto     bool // auto-advance on, as it is by default for enumerators
}

// testKDF is a cheap argon2id for tests: sign-in costs what the store's
// own benchmark measures.
var testKDF = vault.Params{Time: 1, Memory: 8 * 1024, Threads: 1}

func newHarness(tb testing.TB, o harnessOpts) *harness {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	if o.path == "" {
		o.path = filepath.Join(tb.TempDir(), "sira.db")
	}
	st, err := sqlite.Open(ctx, o.path, sqlite.Options{MaxAttachment: o.maxAtt, KDF: testKDF})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	if o.form == nil {
		o.form = mustForm(tb)
	}
	b, err := NewBackend(ctx, st, []*forms.Form{o.form}, BackendOptions{Language: o.language, Now: o.now})
	if err != nil {
		tb.Fatalf("backend: %v", err)
	}
	if !o.auto {
		// Most tests type a digit and then Enter, key by key.
		if err := b.SetSetting(ctx, "auto-advance", "off"); err != nil {
			tb.Fatal(err)
		}
	}
	h := &harness{tb: tb, ctx: ctx, path: o.path, store: st, done: make(chan error, 1), accepted: map[string]string{}}
	h.sim = tcell.NewSimulationScreen("UTF-8")
	h.app = New(ctx, Options{Backend: b, Screen: h.sim, Language: o.uiLang, OnAccept: func(ref, v string) {
		h.mu.Lock()
		h.accepted[ref] = v
		h.mu.Unlock()
		if o.onAccept != nil {
			o.onAccept(ref, v)
		}
	}, OnPage: o.onPage})
	h.sim.SetSize(80, 24)
	go func() { h.done <- h.app.Run() }()
	h.do(func() {}) // the loop is running
	tb.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	select {
	case <-h.done:
		return
	default:
	}
	h.app.Stop()
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		h.tb.Errorf("app did not stop")
	}
}

// do runs f on the UI goroutine and waits for it.
func (h *harness) do(f func()) { h.app.tv.QueueUpdateDraw(f) }

// press sends one key through the app's key handling, synchronously.
func (h *harness) press(k tcell.Key, r rune) {
	h.keys++
	h.do(func() { h.app.dispatch(tcell.NewEventKey(k, r, tcell.ModNone)) })
}

func (h *harness) key(k tcell.Key) { h.press(k, 0) }

func (h *harness) typ(s string) {
	for _, r := range s {
		h.press(tcell.KeyRune, r)
	}
}

// text returns the screen as lines of text. It reads the cells on the UI
// goroutine: the simulation screen hands out its buffer, which the next
// draw overwrites.
func (h *harness) text() string {
	var out string
	h.do(func() { out = simText(h.sim) })
	return out
}

func simText(sim tcell.SimulationScreen) string {
	cells, w, hgt := sim.GetContents()
	var b strings.Builder
	for y := 0; y < hgt; y++ {
		var line strings.Builder
		for x := 0; x < w; x++ {
			c := cells[y*w+x]
			if len(c.Runes) == 0 {
				line.WriteByte(' ')
				continue
			}
			line.WriteString(string(c.Runes))
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

func (h *harness) mustSee(s string) {
	h.tb.Helper()
	if t := h.text(); !strings.Contains(t, s) {
		h.tb.Fatalf("screen does not show %q:\n%s", s, t)
	}
}

func (h *harness) message() string {
	var m string
	h.do(func() { m = h.app.message.GetText(true) })
	return strings.TrimSpace(m)
}

func (h *harness) signIn(id, pin string) {
	h.tb.Helper()
	h.typ(id)
	h.key(tcell.KeyEnter)
	h.typ(pin)
	h.key(tcell.KeyEnter)
	if h.confirming() { // first sign-in: the PIN typed twice
		h.typ(pin)
		h.key(tcell.KeyEnter)
	}
	h.mustSee("Drafts")
}

// confirming reports whether the sign-in screen asks for the PIN again.
func (h *harness) confirming() bool {
	var c bool
	h.do(func() {
		if s, ok := h.app.cur.(*signIn); ok {
			c = s.index(s.again) >= 0
		}
	})
	return c
}

// current returns the interview screen's current page, or nil when the
// app shows another screen.
func (h *harness) current() (iv *interview, p *Page) {
	h.do(func() {
		if x, ok := h.app.cur.(*interview); ok {
			iv = x
			if pg := x.page(); pg != nil {
				cp := *pg
				p = &cp
			}
		}
	})
	return iv, p
}

func (h *harness) screenName() string {
	var n string
	h.do(func() { n = fmt.Sprintf("%T", h.app.cur) })
	return strings.TrimPrefix(n, "*tui.")
}

// answers lists what the store holds for an interview, by ref.
func (h *harness) answers(id string) map[string]string {
	h.tb.Helper()
	iv, err := h.store.Get(h.ctx, id)
	if err != nil {
		h.tb.Fatalf("get %s: %v", id, err)
	}
	vals, _ := flatten(iv.Data)
	out := map[string]string{}
	for k, v := range vals {
		out[k] = v.v
	}
	return out
}

func (h *harness) only(status survey.Status) survey.Summary {
	h.tb.Helper()
	ss, err := h.store.List(h.ctx, survey.Filter{Status: status})
	if err != nil || len(ss) != 1 {
		h.tb.Fatalf("list %s: %v, %d interviews", status, err, len(ss))
	}
	return ss[0]
}
