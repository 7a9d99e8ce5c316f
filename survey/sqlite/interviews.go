package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	sqlitedrv "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"sira/survey"
	"sira/survey/vault"
)

const interviewCols = `id, form_id, form_version, form_hash, enumerator, device_id, started, ended,
	status, revision, comment, updated`

const insertInterview = `INSERT INTO interviews (` + interviewCols + `, data, content_hash)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// isPrimaryKeyViolation reports whether err is a duplicate primary key.
func isPrimaryKeyViolation(err error) bool {
	var e *sqlitedrv.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE)
}

// Create implements survey.Store.
func (s *Store) Create(ctx context.Context, iv *survey.Interview) error {
	return s.insert(ctx, []*survey.Interview{iv}, "create")
}

// Insert implements survey.Store: one transaction for the whole batch.
func (s *Store) Insert(ctx context.Context, ivs []*survey.Interview) error {
	return s.insert(ctx, ivs, "insert")
}

// encoded is an interview's row content, prepared (and sealed) outside the
// transaction.
type encoded struct {
	data, paradata []byte
	comment        string
	hash           any
	sl             sealer
}

func (s *Store) insert(ctx context.Context, ivs []*survey.Interview, op string) error {
	if len(ivs) == 0 {
		return nil
	}
	var device string
	now := s.now()
	sealers := map[string]sealer{}
	for _, iv := range ivs {
		if iv.ID == "" || iv.FormID == "" {
			return fmt.Errorf("%s interview: id and form id are required", op)
		}
		if iv.Status == "" {
			iv.Status = survey.StatusDraft
		}
		if iv.Revision == 0 {
			iv.Revision = 1
		}
		if iv.DeviceID == "" {
			if device == "" {
				var err error
				if device, err = s.DeviceID(ctx); err != nil {
					return err
				}
			}
			iv.DeviceID = device
		}
		if _, ok := sealers[norm(iv.Enumerator)]; !ok {
			var sl sealer
			err := s.readTx(ctx, func(tx *sql.Tx) error {
				var err error
				sl, err = s.sealerFor(ctx, tx, iv.Enumerator)
				if err == nil && op == "create" && sl.key == nil {
					// A new draft is its signed-in enumerator's; only
					// Insert (sync, imports) seals for someone else.
					err = fmt.Errorf("enumerator %q: %w", iv.Enumerator, survey.ErrLocked)
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("%s interview %s: %w", op, iv.ID, err)
			}
			sealers[norm(iv.Enumerator)] = sl
		}
		if iv.Updated.IsZero() {
			iv.Updated = now
		}
		if iv.Data == nil {
			iv.Data = &survey.Record{}
		}
		sortAttachments(iv.Attachments)
	}
	enc, err := encodeAll(ivs, sealers)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, insertInterview)
		if err != nil {
			return err
		}
		defer ins.Close()
		var para, att *sql.Stmt
		for k, iv := range ivs {
			data, hash := enc[k].data, enc[k].hash
			if _, err := ins.ExecContext(ctx, iv.ID, iv.FormID, iv.FormVersion, iv.FormHash, iv.Enumerator, iv.DeviceID,
				nanos(iv.Started), nanos(iv.Ended), string(iv.Status), iv.Revision, enc[k].comment, nanos(iv.Updated),
				data, hash); err != nil {
				if isPrimaryKeyViolation(err) {
					return fmt.Errorf("%s interview %s: %w", op, iv.ID, survey.ErrExists)
				}
				return fmt.Errorf("%s interview %s: %w", op, iv.ID, err)
			}
			if len(iv.Paradata) > 0 {
				if para == nil {
					if para, err = tx.PrepareContext(ctx, "INSERT INTO paradata (interview_id, events) VALUES (?, ?)"); err != nil {
						return err
					}
					defer para.Close()
				}
				if _, err := para.ExecContext(ctx, iv.ID, enc[k].paradata); err != nil {
					return fmt.Errorf("%s interview %s: paradata: %w", op, iv.ID, err)
				}
			}
			for i, a := range iv.Attachments {
				a.SHA256 = strings.ToLower(a.SHA256) // as stored, and as Get returns it
				iv.Attachments[i].SHA256 = a.SHA256
				if att == nil {
					if att, err = tx.PrepareContext(ctx, `INSERT INTO attachments (interview_id, field, name, sha256, size, type, key)
						SELECT ?, ?, ?, sha256, size, ?, ? FROM blobs WHERE sha256 = ?`); err != nil {
						return err
					}
					defer att.Close()
				}
				ck, size, err := s.contentKey(ctx, tx, a.SHA256)
				if err != nil {
					return fmt.Errorf("%s interview %s: attachment %s: %w", op, iv.ID, a.Name, err)
				}
				sk, err := enc[k].sl.seal(nil, ck, vault.AD(iv.ID, fieldAttachment, a.Field, a.Name, a.SHA256))
				if err != nil {
					return fmt.Errorf("%s interview %s: attachment %s: %w", op, iv.ID, a.Name, err)
				}
				res, err := att.ExecContext(ctx, iv.ID, a.Field, a.Name, a.Type, sk, a.SHA256)
				if err != nil {
					return fmt.Errorf("%s interview %s: attachment %s: %w", op, iv.ID, a.Name, err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					return fmt.Errorf("%s interview %s: attachment %s: content %s not stored (PutAttachment first): %w",
						op, iv.ID, a.Name, a.SHA256, survey.ErrNotFound)
				}
				iv.Attachments[i].Size = size
			}
			if iv.Status != survey.StatusDraft && len(iv.Attachments) > 0 {
				// Hash what Get will return, sizes from the stored contents included.
				if _, err := tx.ExecContext(ctx, "UPDATE interviews SET content_hash = ? WHERE id = ?", iv.ContentHash(), iv.ID); err != nil {
					return fmt.Errorf("%s interview %s: %w", op, iv.ID, err)
				}
			}
		}
		return nil
	})
	if err != nil && !strings.HasPrefix(err.Error(), op+" ") {
		err = fmt.Errorf("%s interviews: %w", op, err)
	}
	return err
}

// Get implements survey.Store.
func (s *Store) Get(ctx context.Context, id string) (*survey.Interview, error) {
	var iv *survey.Interview
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		iv, err = s.getInterview(ctx, tx, id)
		return err
	})
	return iv, err
}

// readTx runs fn in a read transaction, so that an interview is read whole
// from one snapshot.
func (s *Store) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	defer s.enter()()
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// getInterview reads and opens an interview. Errors: survey.ErrNotFound,
// survey.ErrLocked.
func (s *Store) getInterview(ctx context.Context, tx *sql.Tx, id string) (*survey.Interview, error) {
	iv := &survey.Interview{}
	var started, ended, updated sql.NullInt64
	var status string
	var data []byte
	err := tx.QueryRowContext(ctx, "SELECT "+interviewCols+", data FROM interviews WHERE id = ?", id).Scan(
		&iv.ID, &iv.FormID, &iv.FormVersion, &iv.FormHash, &iv.Enumerator, &iv.DeviceID, &started, &ended,
		&status, &iv.Revision, &iv.Comment, &updated, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("interview %s: %w", id, survey.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get interview %s: %w", id, err)
	}
	iv.Status = survey.Status(status)
	iv.Started, iv.Ended, iv.Updated = fromNanos(started), fromNanos(ended), fromNanos(updated)
	k, err := s.openKey(iv.Enumerator)
	if err != nil {
		return nil, fmt.Errorf("interview %s: %w", id, err)
	}
	if iv.Comment, err = openComment(k, id, iv.Comment); err != nil {
		return nil, err
	}
	if data, err = k.Open(nil, data, vault.AD(id, fieldAnswers)); err != nil {
		return nil, fmt.Errorf("interview %s: answers: %w", id, err)
	}
	iv.Data = &survey.Record{}
	if err := json.Unmarshal(data, iv.Data); err != nil {
		return nil, fmt.Errorf("get interview %s: decode answers: %w", id, err)
	}

	rows, err := tx.QueryContext(ctx, "SELECT field, name, sha256, size, type FROM attachments WHERE interview_id = ? ORDER BY field, name", id)
	if err != nil {
		return nil, fmt.Errorf("get interview %s: attachments: %w", id, err)
	}
	for rows.Next() {
		var a survey.Attachment
		if err := rows.Scan(&a.Field, &a.Name, &a.SHA256, &a.Size, &a.Type); err != nil {
			rows.Close()
			return nil, fmt.Errorf("get interview %s: attachments: %w", id, err)
		}
		iv.Attachments = append(iv.Attachments, a)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("get interview %s: attachments: %w", id, err)
	}

	rows, err = tx.QueryContext(ctx, "SELECT events FROM paradata WHERE interview_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, fmt.Errorf("get interview %s: paradata: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		var evs []survey.Event
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("get interview %s: paradata: %w", id, err)
		}
		if b, err = k.Open(b[:0:0], b, vault.AD(id, fieldParadata)); err != nil {
			return nil, fmt.Errorf("interview %s: paradata: %w", id, err)
		}
		if err := json.Unmarshal(b, &evs); err != nil {
			return nil, fmt.Errorf("get interview %s: decode paradata: %w", id, err)
		}
		iv.Paradata = append(iv.Paradata, evs...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("get interview %s: paradata: %w", id, err)
	}
	return iv, nil
}

// Delete implements survey.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, err := status(ctx, tx, id)
		if err != nil {
			return err
		}
		if st != survey.StatusDraft {
			return fmt.Errorf("delete interview %s (%s): %w", id, st, survey.ErrImmutable)
		}
		if _, err := s.interviewKey(ctx, tx, id); err != nil {
			return fmt.Errorf("delete interview %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM interviews WHERE id = ?", id); err != nil {
			return fmt.Errorf("delete interview %s: %w", id, err)
		}
		return nil
	})
}

// status returns an interview's status inside tx.
func status(ctx context.Context, tx *sql.Tx, id string) (survey.Status, error) {
	var st string
	err := tx.QueryRowContext(ctx, "SELECT status FROM interviews WHERE id = ?", id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("interview %s: %w", id, survey.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("interview %s: %w", id, err)
	}
	return survey.Status(st), nil
}

// editDraft applies fn to a draft's answers and appends ev, in one durable transaction.
func (s *Store) editDraft(ctx context.Context, id, op string, fn func(*survey.Record) error, ev []survey.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var st, enumerator string
		var data []byte
		err := tx.QueryRowContext(ctx, "SELECT status, enumerator, data FROM interviews WHERE id = ?", id).Scan(&st, &enumerator, &data)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s: interview %s: %w", op, id, survey.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("%s: interview %s: %w", op, id, err)
		}
		if survey.Status(st) != survey.StatusDraft {
			return fmt.Errorf("%s: interview %s (%s): %w", op, id, st, survey.ErrImmutable)
		}
		k, err := s.openKey(enumerator)
		if err != nil {
			return fmt.Errorf("%s: interview %s: %w", op, id, err)
		}
		ad := vault.AD(id, fieldAnswers)
		plain, err := k.Open(make([]byte, 0, len(data)), data, ad)
		if err != nil {
			return fmt.Errorf("%s: interview %s: answers: %w", op, id, err)
		}
		var rec survey.Record
		if err := json.Unmarshal(plain, &rec); err != nil {
			return fmt.Errorf("%s: interview %s: decode answers: %w", op, id, err)
		}
		if err := fn(&rec); err != nil {
			return fmt.Errorf("%s: interview %s: %w", op, id, err)
		}
		plain = rec.AppendJSON(plain[:0]) // the bytes of json.Marshal, cheaper
		if data, err = k.Seal(data[:0], plain, ad); err != nil {
			return fmt.Errorf("%s: interview %s: %w", op, id, err)
		}
		clear(plain)
		if _, err := tx.ExecContext(ctx, "UPDATE interviews SET data = ?, updated = ? WHERE id = ?", data, s.now().UnixNano(), id); err != nil {
			return fmt.Errorf("%s: interview %s: %w", op, id, err)
		}
		return appendEvents(ctx, tx, sealer{key: k}, id, ev)
	})
}

func appendEvents(ctx context.Context, tx *sql.Tx, sl sealer, id string, ev []survey.Event) error {
	if len(ev) == 0 {
		return nil
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("interview %s: encode paradata: %w", id, err)
	}
	if b, err = sl.seal(nil, b, vault.AD(id, fieldParadata)); err != nil {
		return fmt.Errorf("interview %s: paradata: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO paradata (interview_id, events) VALUES (?, ?)", id, b); err != nil {
		return fmt.Errorf("interview %s: append paradata: %w", id, err)
	}
	return nil
}

// SaveAnswer implements survey.Store.
func (s *Store) SaveAnswer(ctx context.Context, id string, ref survey.Ref, value string, ev ...survey.Event) error {
	return s.editDraft(ctx, id, "save "+ref.String(), func(r *survey.Record) error {
		return setValue(r, ref, value)
	}, ev)
}

// SaveData implements survey.Store.
func (s *Store) SaveData(ctx context.Context, id string, data *survey.Record, ev ...survey.Event) error {
	if data == nil {
		data = &survey.Record{}
	}
	return s.editDraft(ctx, id, "save answers", func(r *survey.Record) error {
		*r = *data
		return nil
	}, ev)
}

// SaveAnswers implements survey.Store.
func (s *Store) SaveAnswers(ctx context.Context, id string, changes []survey.Change, ev ...survey.Event) error {
	return s.editDraft(ctx, id, "save answers", func(r *survey.Record) error {
		for _, c := range changes {
			if err := setValue(r, c.Ref, c.Value); err != nil {
				return fmt.Errorf("%s: %w", c.Ref, err)
			}
		}
		return nil
	}, ev)
}

// SetRepeatCount implements survey.Store.
func (s *Store) SetRepeatCount(ctx context.Context, id string, ref survey.Ref, n int, ev ...survey.Event) error {
	return s.editDraft(ctx, id, "set repeat count "+ref.String(), func(r *survey.Record) error {
		return setRepeatCount(r, ref, n)
	}, ev)
}

// RemoveRepeatInstance implements survey.Store.
func (s *Store) RemoveRepeatInstance(ctx context.Context, id string, instance survey.Ref, ev ...survey.Event) error {
	return s.editDraft(ctx, id, "remove "+instance.String(), func(r *survey.Record) error {
		return removeInstance(r, instance)
	}, ev)
}

// AppendEvents implements survey.Store.
func (s *Store) AppendEvents(ctx context.Context, id string, ev []survey.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		k, err := s.interviewKey(ctx, tx, id)
		if err != nil {
			return err
		}
		return appendEvents(ctx, tx, sealer{key: k}, id, ev)
	})
}

// Finalize implements survey.Store.
func (s *Store) Finalize(ctx context.Context, id string, at time.Time, ev ...survey.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		iv, err := s.getInterview(ctx, tx, id)
		if err != nil {
			return err
		}
		if iv.Status != survey.StatusDraft {
			return fmt.Errorf("finalize interview %s (%s): %w", id, iv.Status, survey.ErrConflict)
		}
		iv.Ended = at
		iv.Status = survey.StatusFinalized
		if _, err := tx.ExecContext(ctx, "UPDATE interviews SET status = ?, ended = ?, updated = ?, content_hash = ? WHERE id = ?",
			string(iv.Status), nanos(at), s.now().UnixNano(), iv.ContentHash(), id); err != nil {
			return fmt.Errorf("finalize interview %s: %w", id, err)
		}
		k, err := s.openKey(iv.Enumerator)
		if err != nil {
			return err
		}
		return appendEvents(ctx, tx, sealer{key: k}, id, ev)
	})
}

// List implements survey.Store: interviews of locked enumerators are left
// out (their comments are sealed), so each enumerator sees only their own.
func (s *Store) List(ctx context.Context, f survey.Filter) ([]survey.Summary, error) {
	if f.Enumerator != "" {
		if _, err := s.openKey(f.Enumerator); err != nil {
			return nil, fmt.Errorf("list interviews: %w", err)
		}
	}
	var where []string
	var args []any
	if f.FormID != "" {
		where, args = append(where, "form_id = ?"), append(args, f.FormID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Enumerator != "" {
		where, args = append(where, "enumerator = ? COLLATE NOCASE"), append(args, f.Enumerator)
	}
	q := "SELECT id, form_id, form_version, enumerator, status, revision, comment, started, ended, updated FROM interviews"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY updated DESC, id"
	defer s.enter()()
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list interviews: %w", err)
	}
	defer rows.Close()
	var out []survey.Summary
	for rows.Next() {
		var m survey.Summary
		var st string
		var started, ended, updated sql.NullInt64
		if err := rows.Scan(&m.ID, &m.FormID, &m.FormVersion, &m.Enumerator, &st, &m.Revision, &m.Comment, &started, &ended, &updated); err != nil {
			return nil, fmt.Errorf("list interviews: %w", err)
		}
		k := s.unlocked(m.Enumerator)
		if k == nil {
			continue
		}
		if m.Comment, err = openComment(k, m.ID, m.Comment); err != nil {
			return nil, fmt.Errorf("list interviews: %w", err)
		}
		m.Status = survey.Status(st)
		m.Started, m.Ended, m.Updated = fromNanos(started), fromNanos(ended), fromNanos(updated)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list interviews: %w", err)
	}
	return out, nil
}

// Counts implements survey.Store.
func (s *Store) Counts(ctx context.Context) (map[string]map[survey.Status]int, error) {
	defer s.enter()()
	rows, err := s.db.QueryContext(ctx, "SELECT form_id, status, count(*) FROM interviews GROUP BY form_id, status")
	if err != nil {
		return nil, fmt.Errorf("count interviews: %w", err)
	}
	defer rows.Close()
	out := map[string]map[survey.Status]int{}
	for rows.Next() {
		var form, st string
		var n int
		if err := rows.Scan(&form, &st, &n); err != nil {
			return nil, fmt.Errorf("count interviews: %w", err)
		}
		if out[form] == nil {
			out[form] = map[survey.Status]int{}
		}
		out[form][survey.Status(st)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count interviews: %w", err)
	}
	return out, nil
}

// Pending implements survey.Store.
func (s *Store) Pending(ctx context.Context) ([]survey.PendingInterview, error) {
	defer s.enter()()
	rows, err := s.db.QueryContext(ctx, `SELECT id, status, revision, content_hash FROM interviews
		WHERE status IN ('finalized', 'sent') ORDER BY ended, id`)
	if err != nil {
		return nil, fmt.Errorf("pending interviews: %w", err)
	}
	defer rows.Close()
	var out []survey.PendingInterview
	for rows.Next() {
		var p survey.PendingInterview
		var st string
		var hash sql.NullString
		if err := rows.Scan(&p.ID, &st, &p.Revision, &hash); err != nil {
			return nil, fmt.Errorf("pending interviews: %w", err)
		}
		p.Status, p.Hash = survey.Status(st), hash.String
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending interviews: %w", err)
	}
	return out, nil
}

// lifecycle reads the state a sync step depends on.
func lifecycle(ctx context.Context, tx *sql.Tx, id string) (st survey.Status, rev int, hash string, err error) {
	var s string
	var h sql.NullString
	err = tx.QueryRowContext(ctx, "SELECT status, revision, content_hash FROM interviews WHERE id = ?", id).Scan(&s, &rev, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, "", fmt.Errorf("interview %s: %w", id, survey.ErrNotFound)
	}
	if err != nil {
		return "", 0, "", fmt.Errorf("interview %s: %w", id, err)
	}
	return survey.Status(s), rev, h.String, nil
}

func (s *Store) setStatus(ctx context.Context, tx *sql.Tx, id string, st survey.Status) error {
	_, err := tx.ExecContext(ctx, "UPDATE interviews SET status = ?, updated = ? WHERE id = ?", string(st), s.now().UnixNano(), id)
	if err != nil {
		return fmt.Errorf("interview %s: set %s: %w", id, st, err)
	}
	return nil
}

// MarkSent implements survey.Store.
func (s *Store) MarkSent(ctx context.Context, id string, revision int, hash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, rev, h, err := lifecycle(ctx, tx, id)
		if err != nil {
			return err
		}
		if rev != revision || h != hash {
			return fmt.Errorf("mark interview %s sent: revision %d %s is not the stored revision %d %s: %w", id, revision, hash, rev, h, survey.ErrConflict)
		}
		switch st {
		case survey.StatusSent, survey.StatusAcknowledged:
			return nil
		case survey.StatusFinalized:
			return s.setStatus(ctx, tx, id, survey.StatusSent)
		}
		return fmt.Errorf("mark interview %s sent: it is %s: %w", id, st, survey.ErrConflict)
	})
}

// MarkAcknowledged implements survey.Store.
func (s *Store) MarkAcknowledged(ctx context.Context, id string, revision int, hash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, rev, h, err := lifecycle(ctx, tx, id)
		if err != nil {
			return err
		}
		if rev != revision || h != hash {
			return fmt.Errorf("acknowledge interview %s: revision %d %s is not the stored revision %d %s: %w", id, revision, hash, rev, h, survey.ErrConflict)
		}
		switch st {
		case survey.StatusAcknowledged:
			return nil
		case survey.StatusFinalized, survey.StatusSent:
			return s.setStatus(ctx, tx, id, survey.StatusAcknowledged)
		}
		return fmt.Errorf("acknowledge interview %s: it is %s: %w", id, st, survey.ErrConflict)
	})
}

// Reject implements survey.Store.
func (s *Store) Reject(ctx context.Context, id, comment string, revision int, hash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, rev, h, err := lifecycle(ctx, tx, id)
		if err != nil {
			return err
		}
		if rev != revision {
			return fmt.Errorf("reject interview %s: revision %d, stored revision is %d: %w", id, revision, rev, survey.ErrConflict)
		}
		if hash != "" && h != hash {
			return fmt.Errorf("reject interview %s: the rejected content %s is not this laptop's (%s): %w", id, hash, h, survey.ErrConflict)
		}
		if st == survey.StatusDraft {
			return fmt.Errorf("reject interview %s: it is a draft: %w", id, survey.ErrConflict)
		}
		var enumerator string
		if err := tx.QueryRowContext(ctx, "SELECT enumerator FROM interviews WHERE id = ?", id).Scan(&enumerator); err != nil {
			return fmt.Errorf("reject interview %s: %w", id, err)
		}
		sl, err := s.sealerFor(ctx, tx, enumerator)
		if err != nil {
			return fmt.Errorf("reject interview %s: %w", id, err)
		}
		sealed, err := sealComment(sl, id, comment)
		if err != nil {
			return fmt.Errorf("reject interview %s: %w", id, err)
		}
		_, err = tx.ExecContext(ctx, "UPDATE interviews SET status = ?, comment = ?, updated = ? WHERE id = ?",
			string(survey.StatusRejected), sealed, s.now().UnixNano(), id)
		if err != nil {
			return fmt.Errorf("reject interview %s: %w", id, err)
		}
		return nil
	})
}

// WithdrawRejection implements survey.Store.
func (s *Store) WithdrawRejection(ctx context.Context, id string, revision int, hash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, rev, h, err := lifecycle(ctx, tx, id)
		if err != nil {
			return err
		}
		if st != survey.StatusRejected || rev != revision || (hash != "" && h != hash) {
			return fmt.Errorf("withdraw the rejection of interview %s: it is %s at revision %d, not rejected at %d: %w", id, st, rev, revision, survey.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, "UPDATE interviews SET status = ?, comment = '', updated = ? WHERE id = ?",
			string(survey.StatusAcknowledged), s.now().UnixNano(), id)
		if err != nil {
			return fmt.Errorf("withdraw the rejection of interview %s: %w", id, err)
		}
		return nil
	})
}

// Reopen implements survey.Store.
func (s *Store) Reopen(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, _, _, err := lifecycle(ctx, tx, id)
		if err != nil {
			return err
		}
		if st != survey.StatusRejected {
			return fmt.Errorf("reopen interview %s: it is %s, not rejected: %w", id, st, survey.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, `UPDATE interviews SET status = ?, revision = revision + 1, ended = NULL,
			content_hash = NULL, updated = ? WHERE id = ?`, string(survey.StatusDraft), s.now().UnixNano(), id)
		if err != nil {
			return fmt.Errorf("reopen interview %s: %w", id, err)
		}
		return nil
	})
}

// sortAttachments orders attachments as Get returns them.
func sortAttachments(as []survey.Attachment) {
	sort.Slice(as, func(i, j int) bool {
		if as[i].Field != as[j].Field {
			return as[i].Field < as[j].Field
		}
		return as[i].Name < as[j].Name
	})
}

// interviewKey returns the data key of an interview's enumerator.
// Errors: survey.ErrNotFound, survey.ErrLocked.
func (s *Store) interviewKey(ctx context.Context, tx *sql.Tx, id string) (*vault.Key, error) {
	var enumerator string
	err := tx.QueryRowContext(ctx, "SELECT enumerator FROM interviews WHERE id = ?", id).Scan(&enumerator)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("interview %s: %w", id, survey.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("interview %s: %w", id, err)
	}
	k, err := s.openKey(enumerator)
	if err != nil {
		return nil, fmt.Errorf("interview %s: %w", id, err)
	}
	return k, nil
}

// encodeAll encodes and seals the interviews' answers, paradata and
// comments and hashes the finalized ones, on every core: encoding, not
// SQLite, bounded bulk inserts.
func encodeAll(ivs []*survey.Interview, sealers map[string]sealer) ([]encoded, error) {
	out := make([]encoded, len(ivs))
	workers := min(runtime.GOMAXPROCS(0), (len(ivs)+63)/64)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 4096)
			defer clear(buf[:cap(buf)])
			for k := w; k < len(ivs); k += workers {
				iv := ivs[k]
				sl := sealers[norm(iv.Enumerator)]
				out[k].sl = sl
				var err error
				// Same bytes as json.Marshal, several times faster.
				plain := iv.Data.AppendJSON(buf[:0])
				buf = plain
				// With attachments the hash is taken after insertion, with the stored sizes.
				if iv.Status != survey.StatusDraft && len(iv.Attachments) == 0 {
					out[k].hash = iv.ContentHashData(plain)
				}
				if out[k].data, err = sl.seal(make([]byte, 0, len(plain)+vault.Overhead), plain, vault.AD(iv.ID, fieldAnswers)); err != nil {
					errs[w] = fmt.Errorf("interview %s: %w", iv.ID, err)
					return
				}
				if len(iv.Paradata) > 0 {
					p, err := json.Marshal(iv.Paradata)
					if err != nil {
						errs[w] = fmt.Errorf("interview %s: encode paradata: %w", iv.ID, err)
						return
					}
					if out[k].paradata, err = sl.seal(nil, p, vault.AD(iv.ID, fieldParadata)); err != nil {
						errs[w] = fmt.Errorf("interview %s: %w", iv.ID, err)
						return
					}
				}
				if out[k].comment, err = sealComment(sl, iv.ID, iv.Comment); err != nil {
					errs[w] = fmt.Errorf("interview %s: %w", iv.ID, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
