// Package dta writes Stata datasets in format 118 (Stata 14 and later,
// UTF-8), as published in Stata's "dta" file format description
// (help dta, https://www.stata.com/help.cgi?dta): a header, a map of
// section offsets, the variable descriptors (types, names, sort list,
// formats, value-label names, variable labels), characteristics, the data,
// the strLs and the value labels, each in its <tag>…</tag>, little-endian.
//
// The writer streams: rows go to the file as they come, strL contents are
// spooled to a temporary file and appended after the data, and the map and
// the observation count are patched in place when the writer is closed, so
// memory does not grow with the number of rows.
//
// Numeric missing values are Stata's system missing "." and the extended
// missing values ".a" to ".z", written with the codes the format reserves
// for each storage type.
package dta
