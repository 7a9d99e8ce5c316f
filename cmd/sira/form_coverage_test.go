package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// A form half translated into a third language (a made-up test language,
// "xx": the project writes no national-language text itself).
const formPartialSrc = `| survey |
| | type | name | label::Français (fr) | label::Test (xx) | hint::Français (fr) | hint::Test (xx) | required | required_message::Français (fr) | required_message::Test (xx) | constraint | constraint_message::Français (fr) |
| | integer | age | Âge | xx-age | En années | | yes | Obligatoire | xx-req | . > 0 | Positif |
| | select_one yn | ok | D'accord ? | | | | | | | | |
| | text | note | Remarque | xx-note | Facultatif | xx-hint | | | | | |
| choices |
| | list_name | name | label::Français (fr) | label::Test (xx) |
| | yn | yes | Oui | xx-yes |
| | yn | no | Non | |
| settings |
| | form_id | version | default_language |
| | partial | 1 | Français (fr) |
`

func TestFormCheckTranslations(t *testing.T) {
	path := formWriteFile(t, "partial.md", formPartialSrc)
	code, out, stderr := formRunSira(t, "form", "check", path)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	// Labels: 3 questions + 2 choices; xx translates age, note and yes.
	for _, want := range []string{
		"Français (fr): labels 5/5, hints 2/2, messages 2/2",
		"Test (xx): labels 3/5, hints 1/2, messages 1/2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = formRunSira(t, "form", "check", "--json", path)
	if code != 0 {
		t.Fatalf("--json exit %d", code)
	}
	var res formCheckResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Translations) != 2 || res.Translations[1].Language != "Test (xx)" || res.Translations[1].Labels != (translationCount{3, 5}) {
		t.Errorf("translations %+v", res.Translations)
	}
}
