package intake

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"sira/sync/wire"
)

// Bounds of an enrolment request.
const (
	maxRecoveryCopies = 64
	maxRecoveryCopy   = 4096 // an age file of a 32-byte key is ~200 bytes
	maxEnrolIDLen     = 200
	maxEnrolBody      = 1 << 20
)

// validID reports whether s can be a device or enumerator id.
func validID(s string) bool {
	return s != "" && len(s) <= maxEnrolIDLen && utf8.ValidString(s) && !strings.ContainsAny(s, "\x00\r\n")
}

// EnrolReply is what an enrolled laptop learns: the office, its current
// recipient and the enumerators enrolled on the laptop.
func (s *Server) EnrolReply(ctx context.Context, enumerators []string) (wire.EnrolReply, error) {
	return enrolReply(ctx, s.store, enumerators, s.now())
}

func enrolReply(ctx context.Context, st KeyStore, enumerators []string, now time.Time) (wire.EnrolReply, error) {
	keys, err := OfficeKeys(ctx, st, now)
	if err != nil {
		return wire.EnrolReply{}, err
	}
	r := wire.EnrolReply{Office: OfficeID(keys), Recipient: keys[0].Recipient, Fingerprint: Fingerprint(keys[0].Recipient), Enumerators: []wire.Enumerator{}}
	for _, e := range enumerators {
		r.Enumerators = append(r.Enumerators, wire.Enumerator{ID: e, Name: e, Role: "enumerator"})
	}
	return r, nil
}

// handleEnrol answers POST /api/v2/enrol: it registers the device key for
// the token's enumerator and stores the recovery copies of the data keys
// of enumerators enrolled on the device (copies for others are ignored). A device id registered with
// another key is 409 conflict until the office revokes the device.
func (s *Server) handleEnrol(w http.ResponseWriter, r *http.Request, tok *Token) error {
	if tok.IsRelay() || tok.Enumerator == "" {
		return wire.Errorf(wire.CodeRefused, "enrol: only an enumerator's device token enrols a laptop, not a relay's")
	}
	limit := bodyCap(r, maxEnrolBody)
	release, err := s.guard.reserve(tok.ID, downstreamWeight+4*limit+codingCost(r, limit))
	if err != nil {
		return err
	}
	defer release()
	var req wire.EnrolRequest
	if err := readJSON(r, w, limit, &req); err != nil {
		return err
	}
	if tok.Enumerator == "" {
		return wire.Errorf(wire.CodeBadRequest, "enrol: only an enumerator's device token enrols a laptop")
	}
	if !validID(req.DeviceID) {
		return wire.Errorf(wire.CodeBadRequest, "enrol: device_id must be 1 to %d characters of text", maxEnrolIDLen)
	}
	if len(req.DeviceKey) != ed25519.PublicKeySize {
		return wire.Errorf(wire.CodeBadRequest, "enrol: device_key must be an Ed25519 public key (%d bytes), got %d bytes", ed25519.PublicKeySize, len(req.DeviceKey))
	}
	if len(req.Recovery) > maxRecoveryCopies {
		return wire.Errorf(wire.CodeTooLarge, "enrol: %d recovery copies, at most %d", len(req.Recovery), maxRecoveryCopies)
	}
	ctx := r.Context()
	now := s.now()
	dev, err := s.store.RegisterDevice(ctx, req.DeviceID, req.DeviceKey, []string{tok.Enumerator}, now)
	if errors.Is(err, ErrKeyConflict) {
		return wire.Errorf(wire.CodeConflict, "device %s is enrolled at this office with another key: the office must revoke the device before it enrols again", req.DeviceID)
	}
	if err != nil {
		return err
	}
	copies := make([]RecoveryCopy, 0, len(req.Recovery))
	for i, c := range req.Recovery {
		if len(c.Key) > maxRecoveryCopy || !bytes.HasPrefix(c.Key, []byte("age-encryption.org/v1\n")) {
			return wire.Errorf(wire.CodeBadRequest, "enrol: recovery copy %d is not an age file of at most %d bytes", i+1, maxRecoveryCopy)
		}
		if !dev.Enrolled(c.Enumerator) {
			// A local account from before the enrolment, or an enumerator
			// enrolled with a token of their own later: not this token's
			// to register.
			continue
		}
		copies = append(copies, RecoveryCopy{Device: dev.ID, Enumerator: c.Enumerator, Copy: c.Key, Updated: now})
	}
	if len(copies) > 0 {
		if err := s.store.PutRecovery(ctx, copies); err != nil {
			return err
		}
	}
	reply, err := s.EnrolReply(ctx, dev.Enumerators)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reply)
	return nil
}

// OfflineEnrolment creates an enrolment for a laptop that never goes
// online (`sira intake enrol`) and returns the file's content: the line
// wire.EnrolmentFileMagic, then the JSON wire.EnrolmentFile. The office
// keeps only the code's SHA-256.
func OfflineEnrolment(ctx context.Context, st Store, enumerators []string, now time.Time) ([]byte, error) {
	if len(enumerators) == 0 {
		return nil, errors.New("enrol: no enumerator")
	}
	seen := map[string]bool{}
	for _, e := range enumerators {
		if !validID(e) {
			return nil, fmt.Errorf("enrol: enumerator %q is not an id", e)
		}
		if seen[strings.ToLower(e)] {
			return nil, fmt.Errorf("enrol: enumerator %s given twice", e)
		}
		seen[strings.ToLower(e)] = true
	}
	var raw [16]byte
	code := make([]byte, 32)
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("enrol: %w", err)
	}
	if _, err := rand.Read(code); err != nil {
		return nil, fmt.Errorf("enrol: %w", err)
	}
	sum := sha256.Sum256(code)
	e := Enrolment{ID: "enr_" + hex.EncodeToString(raw[:]), CodeHash: hex.EncodeToString(sum[:]), Enumerators: enumerators, Created: now.UTC().Truncate(time.Microsecond)}
	reply, err := enrolReply(ctx, st, enumerators, now)
	if err != nil {
		return nil, err
	}
	if err := st.CreateEnrolment(ctx, e); err != nil {
		return nil, err
	}
	body, err := json.MarshalIndent(wire.EnrolmentFile{EnrolReply: reply, Enrolment: e.ID, Code: code}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(wire.EnrolmentFileMagic+"\n"), append(body, '\n')...), nil
}
