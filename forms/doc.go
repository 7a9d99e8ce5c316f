// Package forms compiles XLSForms (.xlsx, .xls, and pyxform's .csv and .md
// layouts) into a Form: a canonical, versioned, content-hashed model with
// every expression parsed and every reference resolved, ready for the
// interview engine. It also embeds Sira's built-in bilingual returnee survey.
package forms
