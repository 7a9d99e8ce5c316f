package main

import (
	"sira/sync/client"
	"sira/sync/intake"
	"sira/sync/relay"
)

// newRelayForwarder returns the forwarder of `sira intake serve --upstream
// URL --token T`: the sync client sending what this relay stored to the
// upstream intake. sync/client wires it here.
func newRelayForwarder(upstream, token string, tls client.TLS) (intake.Forwarder, error) {
	cl, err := client.New(client.Config{URL: upstream, Token: token, TLS: tls})
	if err != nil {
		return nil, usageErrorf("intake serve: --upstream: %v", err)
	}
	return relay.New(cl, relay.Options{}), nil
}
