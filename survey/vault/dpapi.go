package vault

import (
	"errors"
	"fmt"
)

// A stored wrapped key protected by the platform (DPAPI, user scope, on
// Windows) starts with dpapiTag; elsewhere keys are stored as wrapped.
const dpapiTag = 'D'

// Protect adds the platform's protection to a wrapped key before it is
// stored: on Windows a DPAPI user-scope wrap, so that a copied disk also
// needs the Windows account; elsewhere nothing.
func Protect(wrapped []byte) ([]byte, error) {
	if !platformProtects {
		return wrapped, nil
	}
	p, err := protect(wrapped)
	if err != nil {
		return nil, fmt.Errorf("DPAPI protect: %w", err)
	}
	return append([]byte{dpapiTag}, p...), nil
}

// Unprotect undoes Protect.
func Unprotect(stored []byte) ([]byte, error) {
	if len(stored) == 0 || stored[0] != dpapiTag {
		return stored, nil
	}
	if !platformProtects {
		return nil, errors.New("key is protected by Windows DPAPI: open it on the Windows account that wrote it")
	}
	p, err := unprotect(stored[1:])
	if err != nil {
		return nil, fmt.Errorf("DPAPI unprotect (another Windows account or machine?): %w", err)
	}
	return p, nil
}
