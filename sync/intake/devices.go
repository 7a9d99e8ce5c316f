package intake

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ErrKeyConflict: a device id already has another (unrevoked) signing key.
var ErrKeyConflict = errors.New("device already enrolled with another key")

// ErrEnrolmentUsed: an offline enrolment was already presented by another
// device.
var ErrEnrolmentUsed = errors.New("enrolment already used by another device")

// Device is a laptop (or relay) known to the office by its Ed25519 signing
// key, registered at enrolment; carried files' sections are checked
// against it.
type Device struct {
	ID          string
	Key         []byte   // Ed25519 public key
	Enumerators []string // enrolled on the device (ids as first enrolled)
	FirstSeen   time.Time
	LastSeen    time.Time
	Revoked     time.Time // zero while valid
}

// Enrolled reports whether enumerator is enrolled on d (ids are
// case-insensitive).
func (d *Device) Enrolled(enumerator string) bool {
	for _, e := range d.Enumerators {
		if strings.EqualFold(e, enumerator) {
			return true
		}
	}
	return false
}

// RecoveryCopy is an enumerator's data key on a device, age-encrypted to
// the office recipient: what lets the office issue a PIN reset.
type RecoveryCopy struct {
	Device     string
	Enumerator string
	Copy       []byte // an age file
	Updated    time.Time
}

// Enrolment is an offline enrolment written by `sira intake enrol`: the
// code's SHA-256 only is stored.
type Enrolment struct {
	ID          string
	CodeHash    string // hex SHA-256 of the code
	Enumerators []string
	Created     time.Time
	Used        time.Time // zero until a device presents it
	Device      string    // the device that presented it
}

// PINReset is a reset package for an enumerator's data key: DK sealed
// under a key derived from a reset code the supervisor reads over the
// phone. Seq orders them for delivery.
type PINReset struct {
	Seq        int64
	Enumerator string
	Device     string
	Package    []byte
	Created    time.Time
}

// DeviceStore keeps devices, recovery copies, offline enrolments and PIN
// reset packages.
type DeviceStore interface {
	// RegisterDevice records that enumerators use device id with key at
	// time at: a new device is created; a known one with the same key gets
	// the enumerators it lacks and its last-seen time; a revoked one takes
	// the new key with only these enumerators. A device with another,
	// unrevoked key is ErrKeyConflict and nothing changes.
	RegisterDevice(ctx context.Context, id string, key []byte, enumerators []string, at time.Time) (*Device, error)
	// Device returns the device id, or ErrNotFound.
	Device(ctx context.Context, id string) (*Device, error)
	// Devices returns every device, first seen first.
	Devices(ctx context.Context) ([]Device, error)
	// TouchDevice sets a device's last-seen time.
	TouchDevice(ctx context.Context, id string, at time.Time) error
	// RevokeDevice revokes the device id; false when it is unknown or
	// revoked already.
	RevokeDevice(ctx context.Context, id string, at time.Time) (bool, error)
	// PutRecovery stores recovery copies, replacing the one of the same
	// device and enumerator.
	PutRecovery(ctx context.Context, copies []RecoveryCopy) error
	// Recovery returns the recovery copies of enumerator (case-insensitive),
	// newest first.
	Recovery(ctx context.Context, enumerator string) ([]RecoveryCopy, error)
	// CreateEnrolment stores an offline enrolment.
	CreateEnrolment(ctx context.Context, e Enrolment) error
	// Enrolment returns the offline enrolment id, or ErrNotFound.
	Enrolment(ctx context.Context, id string) (*Enrolment, error)
	// UseEnrolment marks enrolment id used by device at time at; using it
	// again from the same device is a no-op, from another ErrEnrolmentUsed.
	UseEnrolment(ctx context.Context, id, device string, at time.Time) error
	// AddPINReset stores a reset package and returns its Seq.
	AddPINReset(ctx context.Context, r PINReset) (int64, error)
	// PINResets returns the reset packages of enumerator (case-insensitive)
	// with Seq > after, oldest first.
	PINResets(ctx context.Context, enumerator string, after int64) ([]PINReset, error)
}
