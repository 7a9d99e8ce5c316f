package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"sira/survey/vault"
)

// A laptop supervisor (role "supervisor" in the enrolment) sees every
// enumerator's interviews: each enumerator's data key is sealed to the
// supervisor's public half when the enumerator signs in, and opened when
// the supervisor signs in (survey/SECURITY.md, "Who may use the laptop").

func superviseAD(enumerator, supervisor string) []byte {
	return []byte("sira/v1\x00supervise\x00" + enumerator + "\x00" + supervisor)
}

// supervisors returns the enrolment's supervisors, lower case.
func (e *enrolment) supervisors() []string {
	var out []string
	for _, m := range e.Enumerators {
		if m.Role == "supervisor" {
			out = append(out, norm(m.ID))
		}
	}
	return out
}

// supervise runs when id signs in with data key dk: it seals dk to each
// enrolled supervisor with a key on this laptop, and if id is a
// supervisor, unlocks every enumerator whose key was sealed to it.
func (s *Store) supervise(ctx context.Context, id string, k *vault.Key, dk []byte) error {
	enr, err := s.enrolment(ctx)
	if err != nil || enr == nil {
		return err
	}
	sups := enr.supervisors()
	for _, sup := range sups {
		if sup == id {
			continue
		}
		err := s.tx(ctx, func(tx *sql.Tx) error {
			var pub []byte
			err := tx.QueryRowContext(ctx, "SELECT public FROM keys WHERE enumerator = ?", sup).Scan(&pub)
			if err == sql.ErrNoRows || len(pub) != vault.PublicSize {
				return nil // no account yet: sealed at id's next sign-in
			}
			if err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM supervision WHERE enumerator = ? AND supervisor = ?", id, sup).Scan(&n); err != nil || n > 0 {
				return err
			}
			w, err := vault.SealTo(nil, pub, dk, superviseAD(id, sup))
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, "INSERT INTO supervision (enumerator, supervisor, wrap) VALUES (?, ?, ?)", id, sup, w)
			return err
		})
		if err != nil {
			return fmt.Errorf("seal %s's key for supervisor %s: %w", id, sup, err)
		}
	}
	if !contains(sups, id) {
		return nil
	}
	type row struct {
		enumerator   string
		wrap, public []byte
	}
	var rows []row
	err = s.readTx(ctx, func(tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT s.enumerator, s.wrap, k.public FROM supervision s
			JOIN keys k ON k.enumerator = s.enumerator WHERE s.supervisor = ?`, id)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.enumerator, &r.wrap, &r.public); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err != nil {
		return fmt.Errorf("supervisor %s: %w", id, err)
	}
	for _, r := range rows {
		edk, err := k.Open(nil, r.wrap, superviseAD(r.enumerator, id))
		if err != nil {
			return fmt.Errorf("supervisor %s: key of %s: %w", id, r.enumerator, err)
		}
		ek, err := vault.FromBytes(edk)
		if err != nil {
			return err
		}
		if string(ek.Public()) != string(r.public) {
			continue // an older key of that enumerator
		}
		s.kmu.Lock()
		s.keys[r.enumerator], s.raw[r.enumerator] = ek, edk
		s.kmu.Unlock()
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
