// Package tui is the enumerator's terminal app: sign-in, home, the interview
// screens, review and finalize, and the lists of drafts, finalized, sent and
// rejected interviews, drawn with tview on tcell.
//
// The layout follows k9s and gdu: a model with no tview in it (the Backend and
// Session interfaces of model.go, which the engine and the SQLite store
// satisfy through NewBackend (adapter.go)), reusable widgets (widgets.go),
// and one file per screen. Keybindings are data (keys.go); the help bar at the
// bottom of every screen is generated from them. Errors from key handlers go to
// the message bar above the help bar, never to a panic.
//
// Every answer is saved through the store when the enumerator leaves the field,
// so a crash or a power cut loses at most the field being typed; the draft
// resumes on the screen where the enumerator was.
package tui
