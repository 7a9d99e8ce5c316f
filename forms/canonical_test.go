package forms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sira/forms"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestCanonicalGolden(t *testing.T) {
	f, err := forms.CompileFile(context.Background(), filepath.Join("testdata", "small.md"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.MarshalCanonical()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "small.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("canonical JSON differs from %s (run with -update if intended):\n%s", golden, got)
	}
	if !strings.HasPrefix(f.Hash, "sha256:") || len(f.Hash) != len("sha256:")+64 {
		t.Errorf("hash = %q", f.Hash)
	}
	// Marshalling again is byte-identical: the order is stable.
	again, err := f.MarshalCanonical()
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("second MarshalCanonical differs (err %v)", err)
	}
}

func TestLoad(t *testing.T) {
	f, err := forms.CompileFile(context.Background(), filepath.Join("testdata", "small.md"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.MarshalCanonical()
	if err != nil {
		t.Fatal(err)
	}
	g, err := forms.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if g.Hash != f.Hash {
		t.Errorf("hash %s, want %s", g.Hash, f.Hash)
	}
	if got, want := len(g.Nodes()), len(f.Nodes()); got != want {
		t.Errorf("loaded %d nodes, want %d", got, want)
	}
	days := g.ByName("days")
	if days == nil || days.Exprs.Constraint == nil || days.Repeat == nil || days.Repeat.Name != "legs" {
		t.Fatalf("days not prepared: %+v", days)
	}
	if got := names(days.Deps); len(got) != 1 || got[0] != "total" {
		t.Errorf("deps of days = %v", got)
	}
	if g.ByName("returned").List == nil {
		t.Error("list not resolved after Load")
	}

	t.Run("ErrHash", func(t *testing.T) {
		bad := bytes.Replace(data, []byte(`"Oui"`), []byte(`"OUI"`), 1)
		if _, err := forms.Load(bad); !errors.Is(err, forms.ErrHash) {
			t.Errorf("err = %v, want ErrHash", err)
		}
	})
	t.Run("ErrSchema", func(t *testing.T) {
		bad := bytes.Replace(data, []byte(`"schema":1`), []byte(`"schema":99`), 1)
		if _, err := forms.Load(bad); !errors.Is(err, forms.ErrSchema) {
			t.Errorf("err = %v, want ErrSchema", err)
		}
	})
	t.Run("Garbage", func(t *testing.T) {
		if _, err := forms.Load([]byte("{not json")); err == nil {
			t.Error("loaded garbage")
		}
	})
}

// TestLoadNulls loads correctly hashed forms holding JSON nulls where
// nodes, lists or choices belong, or nesting too deep: an error, never a
// panic.
func TestLoadNulls(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"NullChild", `"root":{"name":"data","type":"group","children":[null]}`, `group "data": child 1 is null`},
		{"NestedNullChild", `"root":{"name":"data","type":"group","children":[{"name":"g","type":"group","children":[{"name":"a","type":"text"},null]}]}`, `group "g": child 2 is null`},
		{"NullList", `"root":{"name":"data","type":"group"},"lists":{"yn":null}`, `choice list "yn" is null`},
		{"NullChoice", `"root":{"name":"data","type":"group"},"lists":{"yn":{"name":"yn","choices":[null]}}`, `choice list "yn": choice 1 is null`},
		{"NullFile", `"root":{"name":"data","type":"group"},"files":{"a.csv":null}`, `choice list "a.csv" is null`},
		{"TooDeep", `"root":` + strings.Repeat(`{"name":"g","type":"group","children":[`, forms.MaxNesting+2) + `{"name":"t","type":"text"}` + strings.Repeat(`]}`, forms.MaxNesting+2),
			"nested more than 64 deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f forms.Form
			if err := json.Unmarshal([]byte(`{"schema":1,"form_id":"x",`+tc.body+`}`), &f); err != nil {
				t.Fatal(err)
			}
			data, err := f.MarshalCanonical()
			if err != nil {
				t.Fatal(err)
			}
			_, err = forms.Load(data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
