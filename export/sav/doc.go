// Package sav writes SPSS system files (.sav) as PSPP documents the format
// ("System File Format" in the PSPP developers' guide): the file header,
// one variable record per 8-byte segment (long strings continue over
// several, very long strings over several 255-byte segments), value labels,
// the machine integer and floating-point records, variable display
// parameters (measurement level, width, alignment), long variable names,
// very long strings, the number of cases, the character encoding (UTF-8),
// the dictionary terminator, then the data, bytecode-compressed.
//
// The writer streams the data; Close patches the case counts in place, so
// memory does not grow with the number of cases.
package sav
