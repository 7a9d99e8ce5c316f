// Package client is the laptop side of Sira's sync protocol
// (sync/PROTOCOL.md): it offers what the laptop's store holds unacknowledged,
// uploads the attachments and interview batches the server lacks, marks an
// interview acknowledged only from the server's receipt, and applies what
// comes back downstream (new form versions, rejected interviews). It also
// writes the same frames to a batch file for the USB path.
//
// Every request is retried with exponential backoff and full jitter when the
// failure is transient (network errors, 408, 429, 5xx, a truncated or
// undecodable response) and never otherwise; every wait and every request
// is bounded. An interrupted sync resumes with a new offer, which lists only
// what is still unacknowledged, and attachment uploads resume at the
// server's offset.
package client
