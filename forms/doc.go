// Package forms compiles XLSForms (.xlsx, .xls, and pyxform's .csv and .md
// layouts) into a Form: a canonical, versioned, content-hashed model with
// every expression parsed and every reference resolved, ready for the
// interview engine. It also embeds Sira's built-in bilingual returnee survey
// (subpackage builtin).
//
// Reading: ReadFile and Read turn a file into a Workbook (sheets of strings
// with their spreadsheet row numbers), following pyxform's rules: sheet names
// case-insensitive, cells trimmed, numbers without ".0", dates as
// "YYYY-MM-DD HH:MM:SS", reading stopped after runs of empty rows and
// columns. Limits (MaxFileSize, MaxUnzipSize, MaxSheetRows) bound time and
// memory; a broken file gives ErrCorrupt, never a panic. Formula cells read
// as their cached results, as in pyxform: for .xls the BIFF reader skips
// them, so their FORMULA and STRING records are read here (xlsformula.go).
// The text layouts (and select_one_from_file CSVs) are UTF-8, with or
// without a byte-order mark, or else Windows-1252 as Excel saves "CSV".
// Workbook.WriteXLSX writes a workbook back as .xlsx.
//
// Compiling: Compile (or CompileFile, which also reads select_one_from_file
// CSVs from beside the form) resolves header aliases and languages, builds
// the node tree, parses every expression column with package xpath, checks
// every ${name} and builds the dependency graph. It reports every problem
// at once as Problems, each located by file, sheet, row and column as typed:
//
//	survey.xlsx: survey row 14, column relevant: unknown field ${agee}
//
// Warnings (comment rows, missing translations…) are in Form.Warnings.
//
// Sira differs from pyxform on purpose where pyxform leaves errors to ODK
// Validate: an expression that does not parse is a problem at compile time.
//
// Distribution: Form.MarshalCanonical gives the canonical JSON and sets
// Form.Hash; Load reads it back, checking schema and hash, and calls
// Form.Prepare, which rebuilds the derived fields (paths, parents, parsed
// expressions, Node.Deps in evaluation order).
package forms
