package forms

import "strings"

// Canonical column keys: what each header of the survey, choices and
// settings sheets means once aliases and legacy spellings are resolved.
const (
	colType              = "type"
	colName              = "name"
	colLabel             = "label"
	colHint              = "hint"
	colGuidanceHint      = "guidance_hint"
	colRequired          = "required"
	colRequiredMessage   = "required_message"
	colRelevant          = "relevant"
	colConstraint        = "constraint"
	colConstraintMessage = "constraint_message"
	colCalculation       = "calculation"
	colDefault           = "default"
	colReadOnly          = "read_only"
	colAppearance        = "appearance"
	colChoiceFilter      = "choice_filter"
	colRepeatCount       = "repeat_count"
	colParameters        = "parameters"
	colTrigger           = "trigger"
	colListName          = "list_name"
	colImage             = "image"
	colBigImage          = "big-image"
	colAudio             = "audio"
	colVideo             = "video"
)

// surveyAliases maps a header (lower-cased, spaces as underscores) to its
// canonical key, after pyxform's aliases.survey_header.
var surveyAliases = map[string]string{
	"type": colType, "command": colType,
	"name": colName, "tag": colName, "value": colName,
	"label": colLabel, "caption": colLabel,
	"hint": colHint, "guidance_hint": colGuidanceHint,
	"required":         colRequired,
	"required_message": colRequiredMessage, "requiredmsg": colRequiredMessage, "jr:requiredmsg": colRequiredMessage,
	"relevant": colRelevant, "relevance": colRelevant,
	"constraint":         colConstraint,
	"constraint_message": colConstraintMessage, "constraining_message": colConstraintMessage, "jr:constraintmsg": colConstraintMessage,
	"calculation": colCalculation, "calculate": colCalculation,
	"default":   colDefault,
	"read_only": colReadOnly, "readonly": colReadOnly,
	"appearance":    colAppearance,
	"choice_filter": colChoiceFilter,
	"repeat_count":  colRepeatCount, "count": colRepeatCount, "jr:count": colRepeatCount,
	"parameters": colParameters,
	"trigger":    colTrigger,
	"image":      colImage, "big-image": colBigImage, "big_image": colBigImage, "audio": colAudio, "video": colVideo,
}

// choicesAliases is pyxform's aliases.list_header.
var choicesAliases = map[string]string{
	"list_name": colListName,
	"name":      colName, "value": colName,
	"label": colLabel, "caption": colLabel,
	"image": colImage, "big-image": colBigImage, "big_image": colBigImage, "audio": colAudio, "video": colVideo,
}

// settingsAliases maps settings headers to the names Sira keeps them under.
var settingsAliases = map[string]string{
	"form_title": "form_title", "title": "form_title", "set_form_title": "form_title",
	"form_id": "form_id", "id_string": "form_id", "set_form_id": "form_id",
}

// prefixedAttrs maps the attributes written after "bind::" or
// "control::" (lower-cased) to the column they stand for, after pyxform's
// aliases.survey_header, whose entries name ("bind", "relevant") and so on.
var prefixedAttrs = map[string]map[string]string{
	"bind": {
		"relevant": colRelevant, "required": colRequired, "constraint": colConstraint, "calculate": colCalculation,
		"readonly": colReadOnly, "jr:constraintmsg": colConstraintMessage, "jr:requiredmsg": colRequiredMessage,
	},
	"control": {"appearance": colAppearance, "jr:count": colRepeatCount},
	"body":    {"appearance": colAppearance, "jr:count": colRepeatCount},
}

// translatable columns take "::Language" suffixes.
var translatable = map[string]bool{
	colLabel: true, colHint: true, colGuidanceHint: true, colRequiredMessage: true, colConstraintMessage: true,
	colImage: true, colBigImage: true, colAudio: true, colVideo: true,
}

// column is one header of a sheet, resolved.
type column struct {
	idx    int
	header string // as typed (trimmed)
	key    string // canonical key, or "" for an unknown column
	lang   string // after "::" for translatable columns
}

// columns is a sheet's resolved header row.
type columns struct {
	sheet  string
	all    []column
	byKey  map[string][]column
	extras []column
}

// snake lower-cases a header and turns spaces into underscores, the way
// pyxform matches headers it does not find verbatim.
func snake(h string) string {
	return strings.Join(strings.Fields(strings.ToLower(h)), "_")
}

// resolveHeaders resolves a sheet's header row against aliases, reporting
// duplicate headers and aliases of one column given twice.
func resolveHeaders(c *collector, s *Sheet, aliases map[string]string) *columns {
	cols := &columns{sheet: s.Name, byKey: map[string][]column{}}
	double := false
	for _, h := range s.Header {
		if strings.Contains(h, "::") {
			double = true
		}
	}
	seen := map[string]bool{}
	type slot struct{ key, lang string }
	firstOf := map[slot]string{}
	for i, h := range s.Header {
		if h == "" {
			continue
		}
		if seen[h] {
			c.errorf(s.Name, 1, h, "duplicate column header: %s", h)
			continue
		}
		seen[h] = true
		key, lang := resolveHeader(h, double, aliases)
		col := column{idx: i, header: h, key: key, lang: lang}
		cols.all = append(cols.all, col)
		if key == "" {
			cols.extras = append(cols.extras, col)
			continue
		}
		sl := slot{key, strings.ToLower(lang)}
		if prev, ok := firstOf[sl]; ok {
			c.errorf(s.Name, 1, h, "headers that are different names for the same column: %q and %q; rename or remove one of them", prev, h)
			continue
		}
		firstOf[sl] = h
		cols.byKey[key] = append(cols.byKey[key], col)
	}
	return cols
}

// resolveHeader returns a header's canonical key and language ("" key for
// an unknown column).
func resolveHeader(h string, double bool, aliases map[string]string) (key, lang string) {
	if k, ok := lookupAlias(h, aliases); ok {
		return k, ""
	}
	var parts []string
	switch {
	case strings.Contains(h, "::"):
		parts = strings.Split(h, "::")
	case !double && strings.Contains(h, ":"):
		parts = strings.Split(h, ":")
	default:
		return "", ""
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	switch snake(parts[0]) {
	case "bind", "control", "body":
		// "bind:jr:constraintMsg", "control:appearance": the rest is the
		// attribute itself, never a language. As in pyxform, only the
		// attributes a column stands for are that column: "bind::type" is
		// the bind's type attribute, not the question type, and is kept as
		// an unknown column.
		rest := strings.Join(parts[1:], ":")
		if k, ok := prefixedAttrs[snake(parts[0])][strings.ToLower(rest)]; ok {
			if _, known := aliases[k]; known {
				return k, ""
			}
		}
		return "", ""
	case "media":
		if len(parts) < 2 {
			return "", ""
		}
		if k, ok := lookupAlias(parts[1], aliases); ok && translatable[k] {
			return k, strings.Join(parts[2:], ":")
		}
		return "", ""
	}
	k, ok := lookupAlias(parts[0], aliases)
	if !ok || !translatable[k] {
		return "", ""
	}
	return k, strings.Join(parts[1:], ":")
}

func lookupAlias(h string, aliases map[string]string) (string, bool) {
	if k, ok := aliases[h]; ok {
		return k, true
	}
	k, ok := aliases[snake(h)]
	return k, ok
}

// get returns the untranslated value of key in row (the first column of that
// key when only translated ones exist).
func (cs *columns) get(r Row, key string) string {
	list := cs.byKey[key]
	for _, c := range list {
		if c.lang == "" {
			return r.Cell(c.idx)
		}
	}
	if len(list) > 0 {
		return r.Cell(list[0].idx)
	}
	return ""
}

// header returns the header as typed of key (for problem messages).
func (cs *columns) header(key string) string {
	list := cs.byKey[key]
	for _, c := range list {
		if c.lang == "" {
			return c.header
		}
	}
	if len(list) > 0 {
		return list[0].header
	}
	return key
}

// has reports whether the sheet has a column for key.
func (cs *columns) has(key string) bool { return len(cs.byKey[key]) > 0 }

// text returns the translations of key in row, nil when all are empty.
func (cs *columns) text(r Row, key string) Text {
	var t Text
	for _, c := range cs.byKey[key] {
		if v := r.Cell(c.idx); v != "" {
			if t == nil {
				t = Text{}
			}
			t[c.lang] = v
		}
	}
	return t
}

// extra returns the unknown columns of row that hold a value.
func (cs *columns) extra(r Row) map[string]string {
	var m map[string]string
	for _, c := range cs.extras {
		if v := r.Cell(c.idx); v != "" {
			if m == nil {
				m = map[string]string{}
			}
			m[c.header] = v
		}
	}
	return m
}
