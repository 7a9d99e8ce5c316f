package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"filippo.io/age"

	"sira/survey"
	"sira/survey/vault"
	"sira/sync/wire"
)

// Settings the laptop keeps its enrolment in (survey/SECURITY.md, "Who
// may use the laptop").
const (
	// SettingEnrolment holds the Enrolment as JSON.
	SettingEnrolment = "enrolment"
	// SettingSigningKey holds the device's Ed25519 seed, base64.
	SettingSigningKey = "device.signing_key"
	// settingEnrolSent + server URL: SHA-256 of the last enrolment request
	// the server accepted, so the next one is sent only when it changed.
	settingEnrolSent = "enrolment.sent "
	// settingPINResets + server URL: the highest PIN reset Seq stored.
	settingPINResets = "pin_resets.after "
)

// Enrolment is what a laptop knows of the office it is enrolled with.
type Enrolment struct {
	Office      string            `json:"office"`
	Recipient   string            `json:"recipient"`
	Fingerprint string            `json:"fingerprint"`
	Enumerators []wire.Enumerator `json:"enumerators"`
	Enrolled    time.Time         `json:"enrolled"`
	// Pending is an offline enrolment to present in carried files.
	Pending *PendingEnrolment `json:"pending,omitempty"`
}

// PendingEnrolment is an offline enrolment's id and code.
type PendingEnrolment struct {
	ID   string `json:"id"`
	Code []byte `json:"code"`
}

// ErrOtherOffice: the laptop is enrolled with another office.
var ErrOtherOffice = errors.New("this laptop is enrolled with another office")

// LoadEnrolment returns the laptop's enrolment, or nil when it was never
// enrolled.
func LoadEnrolment(ctx context.Context, st survey.Store) (*Enrolment, error) {
	v, err := st.Setting(ctx, SettingEnrolment)
	if errors.Is(err, survey.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("enrolment: %w", err)
	}
	var e Enrolment
	if err := json.Unmarshal([]byte(v), &e); err != nil {
		return nil, fmt.Errorf("enrolment setting: %w", err)
	}
	return &e, nil
}

func saveEnrolment(ctx context.Context, st survey.Store, e *Enrolment) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := st.SetSetting(ctx, SettingEnrolment, string(b)); err != nil {
		return fmt.Errorf("enrolment: %w", err)
	}
	return nil
}

// merge applies what the office said (enrolment reply or file) to e (nil:
// first enrolment); a reply from another office is ErrOtherOffice.
func merge(e *Enrolment, r wire.EnrolReply, now time.Time) (*Enrolment, error) {
	if _, err := age.ParseX25519Recipient(r.Recipient); err != nil {
		return nil, fmt.Errorf("enrolment: the office's recipient %.80q is not an age X25519 recipient", r.Recipient)
	}
	if r.Office == "" {
		return nil, errors.New("enrolment: no office id")
	}
	if e == nil {
		e = &Enrolment{Office: r.Office, Enrolled: now.UTC().Truncate(time.Second)}
	}
	if e.Office != r.Office {
		return nil, fmt.Errorf("%w (%s, not %s): a laptop belongs to one office", ErrOtherOffice, e.Office, r.Office)
	}
	e.Recipient, e.Fingerprint = r.Recipient, wire.Fingerprint(r.Recipient)
	for _, n := range r.Enumerators {
		found := false
		for i, have := range e.Enumerators {
			if strings.EqualFold(have.ID, n.ID) {
				e.Enumerators[i], found = n, true
			}
		}
		if !found {
			e.Enumerators = append(e.Enumerators, n)
		}
	}
	return e, nil
}

// SigningKey returns the device's Ed25519 signing key, creating it on
// first use. The seed is stored in SettingSigningKey, base64 of a zero
// byte and the seed, wrapped with DPAPI (user scope) on Windows
// (vault.Protect), so a copied disk also needs the Windows account.
func SigningKey(ctx context.Context, st survey.Store) (ed25519.PrivateKey, error) {
	v, err := st.Setting(ctx, SettingSigningKey)
	if err == nil {
		stored, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, errors.New("device signing key setting is damaged")
		}
		b, err := vault.Unprotect(stored)
		if err != nil {
			return nil, fmt.Errorf("device signing key: %w", err)
		}
		if len(b) != 1+ed25519.SeedSize || b[0] != 0 {
			return nil, errors.New("device signing key setting is damaged")
		}
		return ed25519.NewKeyFromSeed(b[1:]), nil
	}
	if !errors.Is(err, survey.ErrNotFound) {
		return nil, fmt.Errorf("device signing key: %w", err)
	}
	b := make([]byte, 1+ed25519.SeedSize)
	if _, err := rand.Read(b[1:]); err != nil {
		return nil, fmt.Errorf("device signing key: %w", err)
	}
	stored, err := vault.Protect(b)
	if err != nil {
		return nil, fmt.Errorf("device signing key: %w", err)
	}
	if err := st.SetSetting(ctx, SettingSigningKey, base64.StdEncoding.EncodeToString(stored)); err != nil {
		return nil, fmt.Errorf("device signing key: %w", err)
	}
	return ed25519.NewKeyFromSeed(b[1:]), nil
}

// recoveryKeys returns the store's recovery copies of its data keys.
func recoveryKeys(ctx context.Context, st survey.Store) ([]wire.RecoveryKey, error) {
	ks, err := st.RecoveryKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("recovery keys: %w", err)
	}
	out := make([]wire.RecoveryKey, 0, len(ks))
	for _, k := range ks {
		out = append(out, wire.RecoveryKey{Enumerator: k.Enumerator, Key: k.Key})
	}
	return out, nil
}

// Enrol registers the laptop's device key and recovery copies with the
// server (POST /api/v2/enrol) when they changed since the last time it
// accepted them, and stores what the office answered. It returns the
// laptop's enrolment.
func (cl *Client) Enrol(ctx context.Context, st survey.Store) (*Enrolment, error) {
	cur, err := LoadEnrolment(ctx, st)
	if err != nil {
		return nil, err
	}
	// Twice at most: storing the first enrolment's recipient makes the
	// store write its recovery copies, which then travel at once.
	for range 2 {
		req, sum, err := enrolRequest(ctx, st, cl.c.token)
		if err != nil {
			return nil, err
		}
		sentKey := settingEnrolSent + cl.c.base
		if v, err := st.Setting(ctx, sentKey); err == nil && cur != nil && v == sum {
			return cur, nil
		}
		var reply wire.EnrolReply
		if _, err := cl.c.postJSON(ctx, wire.PathEnrol, req, &reply); err != nil {
			return nil, fmt.Errorf("enrol: %w", err)
		}
		next, err := merge(cur, reply, time.Now())
		if errors.Is(err, ErrOtherOffice) {
			// Not asked again of this server until something changes.
			if serr := st.SetSetting(ctx, sentKey, sum); serr != nil {
				return nil, fmt.Errorf("enrol: %w", serr)
			}
		}
		if err != nil {
			return nil, err
		}
		cur = next
		if err := saveEnrolment(ctx, st, cur); err != nil {
			return nil, err
		}
		if err := st.SetSetting(ctx, sentKey, sum); err != nil {
			return nil, fmt.Errorf("enrol: %w", err)
		}
	}
	return cur, nil
}

// enrolRequest builds the enrolment request and its fingerprint (with
// the token: a new token enrols again).
func enrolRequest(ctx context.Context, st survey.Store, token string) (wire.EnrolRequest, string, error) {
	id, err := st.DeviceID(ctx)
	if err != nil {
		return wire.EnrolRequest{}, "", fmt.Errorf("enrol: %w", err)
	}
	key, err := SigningKey(ctx, st)
	if err != nil {
		return wire.EnrolRequest{}, "", err
	}
	rec, err := recoveryKeys(ctx, st)
	if err != nil {
		return wire.EnrolRequest{}, "", err
	}
	req := wire.EnrolRequest{DeviceID: id, DeviceKey: key.Public().(ed25519.PublicKey), Recovery: rec}
	body, err := json.Marshal(req)
	if err != nil {
		return wire.EnrolRequest{}, "", err
	}
	sum := sha256.Sum256(append(body, token...))
	return req, hex.EncodeToString(sum[:]), nil
}

// EnrolFromFile enrols the laptop from an offline enrolment file written
// by `sira intake enrol` (`sira enrol --db L FILE`): it stores the office,
// its recipient, the enumerators and the enrolment to present in the next
// carried file, and creates the device signing key.
func EnrolFromFile(ctx context.Context, st survey.Store, b []byte) (*Enrolment, error) {
	f, err := ParseEnrolmentFile(b)
	if err != nil {
		return nil, err
	}
	cur, err := LoadEnrolment(ctx, st)
	if err != nil {
		return nil, err
	}
	e, err := merge(cur, f.EnrolReply, time.Now())
	if err != nil {
		return nil, err
	}
	e.Pending = &PendingEnrolment{ID: f.Enrolment, Code: f.Code}
	if _, err := SigningKey(ctx, st); err != nil {
		return nil, err
	}
	if err := saveEnrolment(ctx, st, e); err != nil {
		return nil, err
	}
	return e, nil
}

// ParseEnrolmentFile reads an offline enrolment file (its first line
// wire.EnrolmentFileMagic, then JSON), checking every field's size.
func ParseEnrolmentFile(b []byte) (*wire.EnrolmentFile, error) {
	line, rest, ok := bytes.Cut(b, []byte("\n"))
	if !ok || string(bytes.TrimRight(line, "\r")) != wire.EnrolmentFileMagic {
		return nil, fmt.Errorf("not a Sira enrolment file (its first line is not %q)", wire.EnrolmentFileMagic)
	}
	if len(rest) > 1<<20 {
		return nil, errors.New("enrolment file: over 1 MiB")
	}
	var f wire.EnrolmentFile
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("enrolment file: %w", err)
	}
	if f.Enrolment == "" || len(f.Enrolment) > 200 || len(f.Code) != 32 || len(f.Enumerators) == 0 || len(f.Enumerators) > 1000 {
		return nil, errors.New("enrolment file: enrolment id, 32-byte code and enumerators are required")
	}
	for _, n := range f.Enumerators {
		if n.ID == "" || len(n.ID) > 200 || len(n.Name) > 200 || len(n.Role) > 50 {
			return nil, fmt.Errorf("enrolment file: enumerator %.40q is not an id", n.ID)
		}
	}
	if _, err := age.ParseX25519Recipient(f.Recipient); err != nil {
		return nil, fmt.Errorf("enrolment file: the office's recipient %.80q is not an age X25519 recipient", f.Recipient)
	}
	return &f, nil
}

// applyRecipient records the office's current recipient from a
// downstream answer of the laptop's own office (a rotation there).
func applyRecipient(ctx context.Context, st survey.Store, office, recipient string) error {
	if recipient == "" {
		return nil
	}
	e, err := LoadEnrolment(ctx, st)
	if err != nil || e == nil || e.Recipient == recipient || e.Office != office {
		return err // another office's (a relay's) recipient is not the laptop's
	}
	if _, err := age.ParseX25519Recipient(recipient); err != nil {
		return fmt.Errorf("sync: the office's new recipient %.80q is not an age X25519 recipient", recipient)
	}
	e.Recipient, e.Fingerprint = recipient, wire.Fingerprint(recipient)
	return saveEnrolment(ctx, st, e)
}

// storePINResets hands PIN reset packages to the store.
func storePINResets(ctx context.Context, st survey.Store, rs []wire.PINReset) error {
	for _, r := range rs {
		if err := st.StorePINReset(ctx, r.Enumerator, r.Package); err != nil {
			return fmt.Errorf("sync: PIN reset for %s: %w", r.Enumerator, err)
		}
	}
	return nil
}
