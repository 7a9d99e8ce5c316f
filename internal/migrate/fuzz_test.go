package migrate_test

import (
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"sira/internal/migrate"
)

// FuzzLoad: Load never panics on a file name, and accepts one only as
// NNNN_name.sql with NNNN a positive decimal version (1 here, alone in dir).
func FuzzLoad(f *testing.F) {
	for _, s := range []string{"0001_init.sql", "1_a.sql", "0002_b.sql", "init.sql", "0001.sql", "0001_.sql", "+1_a.sql", "-1_a.sql", "0000_a.sql", "99999999999999999999_a.sql", "0001_a.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !fs.ValidPath(name) || strings.Contains(name, "/") {
			return
		}
		ms, err := migrate.Load(fstest.MapFS{"m/" + name: &fstest.MapFile{Data: []byte("x")}}, "m")
		if err != nil {
			return
		}
		num, rest, _ := strings.Cut(name, "_")
		v, convErr := strconv.Atoi(num)
		if len(ms) != 1 || ms[0].Name != name || ms[0].Version != 1 || convErr != nil || v != 1 ||
			strings.TrimLeft(num, "0123456789") != "" || !strings.HasSuffix(rest, ".sql") || rest == ".sql" {
			t.Errorf("Load accepted %q as %+v", name, ms)
		}
	})
}
