// Package intaketest holds what the tests of several packages need to talk
// to a real intake server the way sync/client does.
package intaketest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"sira/sync/wire"
)

// PostFrame posts frame to base's POST /api/v2/batch with token (the way
// sync/client does) and returns the receipts, filled in from the frame's
// interviews decoded with codec, and the HTTP status. A non-200 answer is
// an error carrying its body.
func PostFrame(c *http.Client, base, token string, codec *wire.Codec, frame []byte) ([]wire.Receipt, int, error) {
	f, err := wire.ParseFrame(frame, wire.DefaultLimits)
	if err != nil {
		return nil, 0, err
	}
	dec, err := codec.Decode(f, wire.DefaultLimits)
	if err != nil {
		return nil, 0, err
	}
	items := make([]wire.Item, len(dec))
	for i, d := range dec {
		items[i] = wire.ItemOf(d.Interview)
	}
	req, err := http.NewRequest("POST", base+wire.PathBatchV2, bytes.NewReader(frame))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, resp.StatusCode, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	rs, err := wire.UnmarshalReceipts(items, body)
	return rs, resp.StatusCode, err
}
