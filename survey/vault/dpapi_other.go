//go:build !windows

package vault

import "errors"

const platformProtects = false

func protect([]byte) ([]byte, error)   { return nil, errors.New("no DPAPI on this platform") }
func unprotect([]byte) ([]byte, error) { return nil, errors.New("no DPAPI on this platform") }
