package sqlite_test

import (
	"context"
	"testing"

	"sira/survey"
)

// BenchmarkGet measures opening a stored interview of realistic size (the
// store's part of resuming a draft): its answers, with 40 paradata batches.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	s := MustOpen(b, newPath(b))
	iv := draft("uuid:get")
	iv.Data = sampleRecord(1)
	if err := s.Create(ctx, iv); err != nil {
		b.Fatal(err)
	}
	for i := range 40 {
		if err := s.AppendEvents(ctx, iv.ID, []survey.Event{{At: iv.Started, Kind: "enter", Field: "/data/section1/q" + string(rune('0'+i%10))}}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := s.Get(ctx, iv.ID); err != nil {
			b.Fatal(err)
		}
	}
}
