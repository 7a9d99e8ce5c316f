package syncbench_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	syncbench "sira/bench/sync"
)

// TestODKInstance: the XML is well formed, rooted at the form id with id
// and version, carries meta/instanceID and every answer of the interview.
func TestODKInstance(t *testing.T) {
	f := builtinForm(t)
	for _, iv := range simulate(t, 20, 20, 9) {
		x := syncbench.ODKInstance(f, iv)
		dec := xml.NewDecoder(bytes.NewReader(x))
		var path []string
		var root xml.StartElement
		texts := map[string]int{}
		instanceID := ""
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: malformed XML: %v", iv.ID, err)
			}
			switch e := tok.(type) {
			case xml.StartElement:
				if len(path) == 0 {
					root = e
				}
				path = append(path, e.Name.Local)
			case xml.EndElement:
				path = path[:len(path)-1]
			case xml.CharData:
				if s := strings.TrimSpace(string(e)); s != "" {
					texts[s]++
					if len(path) >= 2 && path[len(path)-1] == "instanceID" && path[len(path)-2] == "meta" {
						instanceID = s
					}
				}
			}
		}
		if root.Name.Local != f.ID {
			t.Errorf("root element %q, want the form id %q", root.Name.Local, f.ID)
		}
		attrs := map[string]string{}
		for _, a := range root.Attr {
			attrs[a.Name.Local] = a.Value
		}
		if attrs["id"] != f.ID || attrs["version"] != f.Version {
			t.Errorf("root attributes %v, want id %s version %s", attrs, f.ID, f.Version)
		}
		if instanceID != iv.ID {
			t.Errorf("meta/instanceID %q, want %q", instanceID, iv.ID)
		}
		for k, v := range iv.Data.Values {
			if texts[strings.TrimSpace(v)] == 0 && strings.TrimSpace(v) != "" {
				t.Errorf("%s: answer %s=%q missing from the XML", iv.ID, k, v)
			}
		}
	}
}
