package intake

import (
	"context"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"

	"sira/forms"
	"sira/survey"
	"sira/survey/vault"
	"sira/sync/wire"
)

// RecoverableStore is a laptop store that can be unlocked with data keys
// the office opened from its recovery copies (survey/sqlite.Store).
type RecoverableStore interface {
	RecoveryKeys(ctx context.Context) ([]survey.RecoveryKey, error)
	UnlockRecovered(ctx context.Context, enumerator string, dataKey []byte) error
}

// UnlockWithRecovery opens the recovery copies held in a laptop's store
// with the office's identities and unlocks their enumerators in memory;
// nothing is written. It returns the enumerators unlocked.
func UnlockWithRecovery(ctx context.Context, st RecoverableStore, ids []age.Identity) ([]string, error) {
	rks, err := st.RecoveryKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(rks) == 0 {
		return nil, errors.New("the laptop's file holds no recovery copy (nobody signed in after it learnt the office key)")
	}
	var out []string
	for _, rk := range rks {
		dk, err := vault.OpenRecovery(rk.Key, ids...)
		if err != nil {
			var nm *age.NoIdentityMatchError
			if errors.As(err, &nm) {
				return out, fmt.Errorf("%s's recovery copy: not addressed to these identities (another office, or a key not in the file)", rk.Enumerator)
			}
			return out, fmt.Errorf("%s's recovery copy: %w", rk.Enumerator, err)
		}
		err = st.UnlockRecovered(ctx, rk.Enumerator, dk)
		clear(dk)
		if err != nil {
			return out, err
		}
		out = append(out, rk.Enumerator)
	}
	return out, nil
}

// IngestLaptop stores every interview of st its unlocked enumerators can
// open (drafts included) as the intake stores synced ones, publishing the
// laptop's forms first. It is how `sira recover` turns a laptop's file
// into an intake store to export.
func (s *Server) IngestLaptop(ctx context.Context, st survey.Store) (*ImportResult, error) {
	fis, err := st.Forms(ctx)
	if err != nil {
		return nil, err
	}
	for _, fi := range fis {
		js, err := st.GetForm(ctx, fi.Hash)
		if err != nil {
			return nil, err
		}
		f, err := forms.Load(js)
		if err != nil {
			return nil, fmt.Errorf("form %s version %s: %w", fi.FormID, fi.Version, err)
		}
		if _, err := s.Publish(ctx, f); err != nil {
			return nil, err
		}
	}
	sums, err := st.List(ctx, survey.Filter{})
	if err != nil {
		return nil, err
	}
	groups := map[string][]*survey.Interview{}
	var order []string
	for _, sm := range sums {
		iv, err := st.Get(ctx, sm.ID)
		if errors.Is(err, survey.ErrLocked) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("interview %s: %w", sm.ID, err)
		}
		for _, a := range iv.Attachments {
			if err := s.copyAttachment(ctx, st, a.SHA256); err != nil {
				return nil, fmt.Errorf("interview %s: %w", sm.ID, err)
			}
		}
		if _, ok := groups[iv.FormHash]; !ok {
			order = append(order, iv.FormHash)
		}
		groups[iv.FormHash] = append(groups[iv.FormHash], iv)
	}
	res := &ImportResult{Counts: map[wire.ReceiptStatus]int{}, Receipts: []wire.Receipt{}}
	meta := BatchMeta{Source: "recover"}
	for _, fh := range order {
		codec, err := s.Codec(fh)
		if err != nil {
			return res, err
		}
		ivs := groups[fh]
		for i := 0; i < len(ivs); i += 100 {
			frame, err := codec.Encode(nil, ivs[i:min(i+100, len(ivs))])
			if err != nil {
				return res, err
			}
			rs, err := s.Ingest(ctx, meta, frame)
			if err != nil {
				return res, err
			}
			res.Frames++
			for _, r := range rs {
				res.Counts[r.Status]++
			}
			res.Receipts = append(res.Receipts, rs...)
		}
	}
	return res, nil
}

func (s *Server) copyAttachment(ctx context.Context, st survey.Store, sha string) error {
	_, complete, err := s.store.AttachmentState(ctx, sha)
	if err != nil || complete {
		return err
	}
	rc, err := st.OpenAttachment(ctx, sha)
	if err != nil {
		return fmt.Errorf("attachment %s: %w", sha, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("attachment %s: %w", sha, err)
	}
	_, _, err = s.store.AppendAttachment(ctx, sha, int64(len(b)), 0, b)
	return err
}
