// Package wire is Sira's sync wire format, shared by the laptop's sync
// client, the intake server and the supervisor's relay: the batch frame
// (versioned header, checksum, zstd payload compressed with a dictionary
// derived from the compiled form), the canonical binary encoding of
// interviews inside it, the USB batch file, the JSON messages of the HTTP
// API and its error codes. sync/PROTOCOL.md is the prose description; this
// package is the executable one.
//
// Nothing here does I/O beyond the io.Reader/io.Writer handed to it, and
// nothing here knows about SQLite or HTTP servers.
package wire
