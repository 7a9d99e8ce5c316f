package main

import (
	"errors"

	"sira/sync/intake"
)

// newRelayForwarder returns the forwarder of `sira intake serve --upstream
// URL --token T`: the sync client sending what this relay stored to the
// upstream intake. sync/client wires it here.
func newRelayForwarder(upstream, token string) (intake.Forwarder, error) {
	return nil, errors.New("relay mode is not available yet: sync/client does not provide a forwarder")
}
