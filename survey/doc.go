// Package survey holds interviews: the answer model, the lifecycle, the
// engine that applies a compiled form to answers (what is visible, required,
// invalid, calculated), and the Store interface that the laptop's SQLite
// store implements. It imports no SQLite, terminal or HTTP code.
package survey
