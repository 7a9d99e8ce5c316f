// Package export writes interviews out the way ODK Central does, so that
// analysis scripts written for Central run unchanged on Sira's data: one CSV
// for the main table and one per repeat, joined by KEY and PARENT_KEY,
// group paths joined with '-', geopoints split in four, select_multiple
// answers kept as the space-separated value followed by one 0/1 column per
// choice ("field/choice"), and Central's metadata columns (SubmissionDate,
// KEY, SubmitterID, …, ReviewState, DeviceID, Edits, FormVersion) followed by
// Sira's own (Post, Revision, Started, Ended).
//
// Exports read interviews from an iterator (iter.Seq2[Row, error]) and hold
// one interview at a time, so a million interviews export in bounded
// memory. Files are written to a temporary name, fsynced and renamed, so a
// crash never leaves a half-written export under the final name.
//
// The same tables are written as Stata datasets (WriteDTA, package
// export/dta) and SPSS system files (WriteSAV, package export/sav), typed
// (TypeOf), named for those programs (VarNames), with labels and missing
// values that say why (Reason: not applicable, don't know, refused, not
// answered), and as an Excel workbook with numbers and dates typed
// (WriteXLSX). CSV and XLSX text cells that a spreadsheet would run as a
// formula are neutralized with a leading apostrophe. Each streams the
// rendered rows to the dashboard's read API (OData, CSV/JSON).
//
// Deliberate differences from Central: the 0/1 columns of a
// select_multiple are empty (Central writes 0) when it was not answered;
// notes produce no column (Central
// writes an always-empty one), and with Options.Labels choice labels replace
// choice names in the value columns (select_multiple labels joined by "; ").
package export
