package forms

import "sira/forms/xpath"

// SchemaVersion is the version of the compiled-form JSON layout. Bump it when
// the layout changes incompatibly; loaders refuse versions they do not know.
const SchemaVersion = 1

// Form is a compiled XLSForm: the artefact distributed to laptops and to the
// intake server. It is immutable once compiled; Hash identifies its content.
type Form struct {
	Schema          int                    `json:"schema"`
	ID              string                 `json:"form_id"`
	Version         string                 `json:"version"`
	Title           Text                   `json:"title"`
	DefaultLanguage string                 `json:"default_language,omitempty"`
	Languages       []string               `json:"languages,omitempty"` // as written after "::", e.g. "Français (fr)"; "" is the untranslated column
	InstanceName    string                 `json:"instance_name,omitempty"`
	PublicKey       string                 `json:"public_key,omitempty"`
	Settings        map[string]string      `json:"settings,omitempty"` // every settings column, kept verbatim
	Root            *Node                  `json:"root"`               // the form's root group; its Name is the instance root ("data" by default)
	Lists           map[string]*ChoiceList `json:"lists,omitempty"`
	Files           map[string]*ChoiceList `json:"files,omitempty"` // select_one_from_file CSVs shipped beside the form, by file name
	Hash            string                 `json:"hash"`            // "sha256:<hex>" over the canonical JSON with Hash empty

	// Warnings found by Compile (comment rows, missing translations…); not
	// serialised.
	Warnings Problems `json:"-"`
	// Missing names the files the form reads that Compile did not find
	// beside it (without CompileOptions.RequireFiles); not serialised.
	Missing []string `json:"-"`

	// Set by Prepare (and so by Compile and Load); not serialised.
	nodes  []*Node
	byPath map[string]*Node
	byName map[string]*Node // nil value: the name is used more than once
}

// Node is one row of the survey sheet (a question, a group, a repeat, a
// calculate, a metadata field) with its children for groups and repeats.
type Node struct {
	Name string `json:"name"`
	Path string `json:"path"` // absolute instance path without indices: "/data/legs/country"
	Type Type   `json:"type"`
	// TypeArg is what follows the type: the list name of a select, the file
	// name of select_one_from_file, the referenced field of select_one ${q}.
	TypeArg string `json:"type_arg,omitempty"`
	OrOther bool   `json:"or_other,omitempty"`

	Label             Text            `json:"label,omitempty"`
	Hint              Text            `json:"hint,omitempty"`
	RequiredMessage   Text            `json:"required_message,omitempty"`
	ConstraintMessage Text            `json:"constraint_message,omitempty"`
	Media             map[string]Text `json:"media,omitempty"` // image, audio, video, big-image columns

	// Expressions, as the designer wrote them (with ${name} references).
	// "yes"/"true" style booleans are normalised to "true()"/"false()".
	Required     string `json:"required,omitempty"`
	Relevant     string `json:"relevant,omitempty"`
	Constraint   string `json:"constraint,omitempty"`
	Calculation  string `json:"calculation,omitempty"`
	ReadOnly     string `json:"read_only,omitempty"`
	RepeatCount  string `json:"repeat_count,omitempty"`
	ChoiceFilter string `json:"choice_filter,omitempty"`
	Trigger      string `json:"trigger,omitempty"`
	// Default is a literal unless DynamicDefault, in which case it is an expression
	// evaluated when the interview (or the repeat instance) is created.
	Default        string `json:"default,omitempty"`
	DynamicDefault bool   `json:"dynamic_default,omitempty"`

	Appearance string            `json:"appearance,omitempty"`
	Parameters map[string]string `json:"parameters,omitempty"`
	Extra      map[string]string `json:"extra,omitempty"` // unknown columns, kept verbatim
	Row        int               `json:"row"`             // 1-based spreadsheet row on the survey sheet

	Children []*Node `json:"children,omitempty"`

	// Set by Prepare; not serialised.
	Parent *Node       `json:"-"`
	Repeat *Node       `json:"-"` // nearest enclosing repeat, nil at top level
	Index  int         `json:"-"` // position in Form.Nodes()
	Exprs  Exprs       `json:"-"`
	Deps   []*Node     `json:"-"` // nodes whose expressions read this node's value (dependents), in evaluation order
	List   *ChoiceList `json:"-"` // resolved choice list for selects (nil for select_one ${q})
}

// Exprs holds a node's parsed expressions; nil where the column is empty.
type Exprs struct {
	Required, Relevant, Constraint, Calculation, ReadOnly, RepeatCount, ChoiceFilter, Default *xpath.Expr
	// Outputs holds the ${name} references inside labels, hints and messages,
	// keyed by the reference's field name.
	Outputs map[string]*xpath.Expr
}

// Text is a translatable string keyed by language as written in the column
// header after "::" ("Français (fr)"); the key "" holds an untranslated column.
type Text map[string]string

// ChoiceList is one list_name of the choices sheet (or a CSV file).
type ChoiceList struct {
	Name    string    `json:"name"`
	Choices []*Choice `json:"choices"`
}

// Choice is one row of the choices sheet.
type Choice struct {
	Name  string            `json:"name"`
	Label Text              `json:"label,omitempty"`
	Extra map[string]string `json:"extra,omitempty"` // other columns, usable in choice_filter
	Media map[string]Text   `json:"media,omitempty"` // image, audio, video, big-image columns
	Row   int               `json:"row,omitempty"`
}

// Type is a question type as written in the XLSForm type column, normalised
// (aliases resolved: "int" → "integer", "begin_group" → "begin group" → TypeGroup).
type Type string

// Question and structure types.
const (
	TypeText            Type = "text"
	TypeInteger         Type = "integer"
	TypeDecimal         Type = "decimal"
	TypeSelectOne       Type = "select_one"
	TypeSelectMulti     Type = "select_multiple"
	TypeSelectFile      Type = "select_one_from_file"
	TypeSelectMultiFile Type = "select_multiple_from_file"
	TypeRank            Type = "rank"
	TypeNote            Type = "note"
	TypeAcknowledge     Type = "acknowledge"
	TypeDate            Type = "date"
	TypeTime            Type = "time"
	TypeDateTime        Type = "dateTime"
	TypeGeopoint        Type = "geopoint"
	TypeGeotrace        Type = "geotrace"
	TypeGeoshape        Type = "geoshape"
	TypeCalculate       Type = "calculate"
	TypeHidden          Type = "hidden"
	TypeRange           Type = "range"
	TypeImage           Type = "image"
	TypeAudio           Type = "audio"
	TypeVideo           Type = "video"
	TypeFile            Type = "file"
	TypeBarcode         Type = "barcode"
	TypeGroup           Type = "group"
	TypeRepeat          Type = "repeat"
	// Metadata, filled by the app, never shown.
	TypeStart       Type = "start"
	TypeEnd         Type = "end"
	TypeToday       Type = "today"
	TypeDeviceID    Type = "deviceid"
	TypeUsername    Type = "username"
	TypeEmail       Type = "email"
	TypePhoneNumber Type = "phonenumber"
	TypeAudit       Type = "audit"
)
