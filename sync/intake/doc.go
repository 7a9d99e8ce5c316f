// Package intake is Sira's central intake server: it receives batches of
// interviews over HTTP (or from a USB batch file), verifies and validates
// them, stores each batch atomically and idempotently behind the Store
// interface, and answers a receipt per interview (see sync/PROTOCOL.md).
// It also sends downstream what laptops need: published forms and the
// interviews supervisors rejected.
//
// The server is an http.Handler with a mux others extend (Server.Handle):
// the dashboard mounts its pages on the same server. Storage adapters live
// in subpackages named for their technology (intake/sqlite, intake/postgres);
// intake/storetest is the conformance suite every Store passes. A relay
// (`sira intake serve --upstream`) is this server plus a Forwarder run by
// RunForwarder.
package intake
