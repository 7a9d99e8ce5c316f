package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sira/survey/vault"
)

// ErrNoRecoveryCopy: the office holds no recovery copy of the enumerator's
// data key (the laptop has not synced online since they signed in).
var ErrNoRecoveryCopy = errors.New("no recovery copy of this enumerator's key at the office: the laptop sends it at its online syncs once the enumerator has signed in")

// IssuePINReset opens the recovery copies of enumerator's data key (one
// per laptop) with the office's identities, draws one reset code of 80
// bits and stores, per laptop, the data key sealed under the code (the
// package travels in the next downstream answer). It returns the code,
// shown once to the supervisor who reads it over the phone, and the
// number of laptops it reaches. The use of the office key is logged as by.
func IssuePINReset(ctx context.Context, st Store, enumerator, by string, now time.Time) (code string, laptops int, err error) {
	copies, err := st.Recovery(ctx, enumerator)
	if err != nil {
		return "", 0, err
	}
	if len(copies) == 0 {
		return "", 0, fmt.Errorf("PIN reset for %s: %w", enumerator, ErrNoRecoveryCopy)
	}
	keys, err := OfficeKeys(ctx, st, now)
	if err != nil {
		return "", 0, err
	}
	ids, err := Identities(keys)
	if err != nil {
		return "", 0, err
	}
	if code, err = vault.NewResetCode(); err != nil {
		return "", 0, err
	}
	var pkgs []PINReset
	for _, c := range copies {
		dk, err := vault.OpenRecovery(c.Copy, ids...)
		if err != nil {
			return "", 0, fmt.Errorf("PIN reset for %s: the copy from device %s: %w", enumerator, c.Device, err)
		}
		pkg, err := vault.SealReset(dk, enumerator, code)
		clear(dk)
		if err != nil {
			return "", 0, fmt.Errorf("PIN reset for %s: %w", enumerator, err)
		}
		pkgs = append(pkgs, PINReset{Enumerator: enumerator, Device: c.Device, Package: pkg, Created: now})
	}
	for _, p := range pkgs {
		if _, err := st.AddPINReset(ctx, p); err != nil {
			return "", 0, err
		}
	}
	if err := st.RecordKeyEvent(ctx, KeyEvent{At: now, Who: by, Action: "pin.reset", Detail: fmt.Sprintf("%s, %d laptops", enumerator, len(pkgs))}); err != nil {
		return "", 0, err
	}
	return code, len(pkgs), nil
}
