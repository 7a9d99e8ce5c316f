//go:build !unix

package storetest

import "time"

// cpuTime is not measured here: no CPU metric is reported.
func cpuTime() time.Duration { return 0 }
