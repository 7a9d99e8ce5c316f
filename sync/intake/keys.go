package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"filippo.io/age"

	"sira/sync/wire"
)

// OfficeKey is one generation of the office's age X25519 identity. The
// current identity is the highest generation; older ones are kept to open
// files and recovery copies made before a rotation.
type OfficeKey struct {
	Generation int
	Identity   string // "AGE-SECRET-KEY-1…": never leaves the store but through `sira intake key --secret`
	Recipient  string // "age1…"
	Created    time.Time
}

// KeyStore keeps the office's identities.
type KeyStore interface {
	// AddOfficeKey inserts k unless generation k.Generation exists, in
	// which case nothing changes and inserted is false (INSERT … ON
	// CONFLICT DO NOTHING: several servers may race to create one).
	AddOfficeKey(ctx context.Context, k OfficeKey) (inserted bool, err error)
	// OfficeKeys returns every generation, newest first (none on a new store).
	OfficeKeys(ctx context.Context) ([]OfficeKey, error)
	// RecordKeyEvent appends to the log of the office key's uses.
	RecordKeyEvent(ctx context.Context, e KeyEvent) error
	// KeyEvents returns the log, newest first, at most limit entries.
	KeyEvents(ctx context.Context, limit int) ([]KeyEvent, error)
}

// KeyEvent is one use of the office's secret key: the identity printed
// (`sira intake key --secret`), a rotation, a PIN reset issued.
type KeyEvent struct {
	Seq    int64
	At     time.Time
	Who    string // "cli:<OS user>", or a dashboard user
	Action string // "key.secret", "key.rotate", "pin.reset"
	Detail string
}

// OfficeKeys returns the office's identities, newest first, creating
// generation 1 on first use. Servers starting together on one database
// create exactly one: each inserts its own candidate for generation 1 and
// all read back the one that won.
func OfficeKeys(ctx context.Context, st KeyStore, now time.Time) ([]OfficeKey, error) {
	keys, err := st.OfficeKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("office key: %w", err)
	}
	if len(keys) > 0 {
		return keys, nil
	}
	k, err := newOfficeKey(1, now)
	if err != nil {
		return nil, err
	}
	if _, err := st.AddOfficeKey(ctx, k); err != nil {
		return nil, fmt.Errorf("office key: create: %w", err)
	}
	keys, err = st.OfficeKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("office key: %w", err)
	}
	if len(keys) == 0 {
		return nil, errors.New("office key: created, then not found")
	}
	return keys, nil
}

// CurrentOfficeKey returns the newest generation (creating the first).
func CurrentOfficeKey(ctx context.Context, st KeyStore, now time.Time) (OfficeKey, error) {
	keys, err := OfficeKeys(ctx, st, now)
	if err != nil {
		return OfficeKey{}, err
	}
	return keys[0], nil
}

// RotateOfficeKey adds a new generation and returns it; the older ones stay
// to open older files. Concurrent rotations each get a generation of their
// own.
func RotateOfficeKey(ctx context.Context, st KeyStore, now time.Time) (OfficeKey, error) {
	for range 10 {
		keys, err := OfficeKeys(ctx, st, now)
		if err != nil {
			return OfficeKey{}, err
		}
		k, err := newOfficeKey(keys[0].Generation+1, now)
		if err != nil {
			return OfficeKey{}, err
		}
		ok, err := st.AddOfficeKey(ctx, k)
		if err != nil {
			return OfficeKey{}, fmt.Errorf("office key: rotate: %w", err)
		}
		if ok {
			return k, nil
		}
	}
	return OfficeKey{}, errors.New("office key: rotate: too many concurrent rotations")
}

func newOfficeKey(gen int, now time.Time) (OfficeKey, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return OfficeKey{}, fmt.Errorf("office key: generate: %w", err)
	}
	return OfficeKey{Generation: gen, Identity: id.String(), Recipient: id.Recipient().String(), Created: now.UTC().Truncate(time.Microsecond)}, nil
}

// Identities parses the stored identities (newest first), for age.Decrypt.
func Identities(keys []OfficeKey) ([]age.Identity, error) {
	ids := make([]age.Identity, 0, len(keys))
	for _, k := range keys {
		id, err := age.ParseX25519Identity(k.Identity)
		if err != nil {
			return nil, fmt.Errorf("office key generation %d: %w", k.Generation, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Fingerprint is what a laptop shows of an office recipient
// (wire.Fingerprint).
func Fingerprint(recipient string) string { return wire.Fingerprint(recipient) }

// OfficeID names the office across key rotations: the fingerprint of its
// first recipient (keys are newest first).
func OfficeID(keys []OfficeKey) string {
	if len(keys) == 0 {
		return ""
	}
	return strings.TrimPrefix(Fingerprint(keys[len(keys)-1].Recipient), "SHA256:")
}
