package forms

import (
	"sort"
	"strings"
)

// More question types than the architect's list: external and OSM selects,
// external instances and the rarer metadata, which pyxform accepts.
const (
	TypeSelectOneExternal Type = "select_one_external"
	TypeOSM               Type = "osm"
	TypeCSVExternal       Type = "csv-external"
	TypeXMLExternal       Type = "xml-external"
	TypeSimSerial         Type = "simserial"
	TypeSubscriberID      Type = "subscriberid"
	TypeStartGeopoint     Type = "start-geopoint"
	TypeBackgroundAudio   Type = "background-audio"
	TypeBackgroundGeo     Type = "background-geopoint"
)

// typeAliases maps every spelling pyxform accepts (question_type_dictionary
// and aliases._type_alias_map) to Sira's type. Matching is case-sensitive,
// as in pyxform ("Integer" is unknown).
var typeAliases = map[string]Type{
	"text": TypeText, "string": TypeText, "q string": TypeText, "add text prompt": TypeText,
	"integer": TypeInteger, "int": TypeInteger, "q int": TypeInteger, "add integer prompt": TypeInteger,
	"decimal": TypeDecimal, "q decimal": TypeDecimal, "add decimal prompt": TypeDecimal,
	"range": TypeRange,
	"note":  TypeNote, "q note": TypeNote, "add note prompt": TypeNote,
	"acknowledge": TypeAcknowledge, "trigger": TypeAcknowledge, "q acknowledge": TypeAcknowledge, "add acknowledge prompt": TypeAcknowledge,
	"date": TypeDate, "q date": TypeDate, "add date prompt": TypeDate,
	"time": TypeTime, "q time": TypeTime, "add time prompt": TypeTime,
	"dateTime": TypeDateTime, "datetime": TypeDateTime, "date time": TypeDateTime, "q date time": TypeDateTime, "add date time prompt": TypeDateTime, "add dateTime prompt": TypeDateTime,
	"geopoint": TypeGeopoint, "gps": TypeGeopoint, "location": TypeGeopoint, "q location": TypeGeopoint, "q geopoint": TypeGeopoint, "add location prompt": TypeGeopoint,
	"geotrace": TypeGeotrace, "geoshape": TypeGeoshape,
	"calculate": TypeCalculate, "hidden": TypeHidden,
	"image": TypeImage, "photo": TypeImage, "q picture": TypeImage, "q image": TypeImage, "add image prompt": TypeImage, "add photo prompt": TypeImage,
	"audio": TypeAudio, "q audio": TypeAudio, "add audio prompt": TypeAudio,
	"video": TypeVideo, "q video": TypeVideo, "add video prompt": TypeVideo,
	"file": TypeFile, "add file prompt": TypeFile,
	"barcode": TypeBarcode, "q barcode": TypeBarcode, "add barcode prompt": TypeBarcode,
	"start": TypeStart, "start time": TypeStart, "get start time": TypeStart,
	"end": TypeEnd, "end time": TypeEnd, "get end time": TypeEnd,
	"today": TypeToday, "get today": TypeToday,
	"deviceid": TypeDeviceID, "imei": TypeDeviceID, "get device id": TypeDeviceID, "uri:deviceid": TypeDeviceID,
	"username": TypeUsername, "uri:username": TypeUsername,
	"email": TypeEmail, "uri:email": TypeEmail,
	"phonenumber": TypePhoneNumber, "phone number": TypePhoneNumber, "get phone number": TypePhoneNumber, "uri:phonenumber": TypePhoneNumber,
	"audit":     TypeAudit,
	"simserial": TypeSimSerial, "sim serial": TypeSimSerial, "get sim id": TypeSimSerial, "uri:simserial": TypeSimSerial,
	"subscriberid": TypeSubscriberID, "subscriber id": TypeSubscriberID, "get subscriber id": TypeSubscriberID, "uri:subscriberid": TypeSubscriberID,
	"start-geopoint":      TypeStartGeopoint,
	"background-audio":    TypeBackgroundAudio,
	"background-geopoint": TypeBackgroundGeo,
	"csv-external":        TypeCSVExternal,
	"xml-external":        TypeXMLExternal,
	"osm":                 TypeOSM,
}

// selectCommands maps the select spellings to their type; the list name
// (or file name, or ${q}) follows after a space.
var selectCommands = map[string]Type{
	"select_one": TypeSelectOne, "select one": TypeSelectOne, "select one from": TypeSelectOne, "select1": TypeSelectOne,
	"add select one prompt using": TypeSelectOne,
	"select_multiple":             TypeSelectMulti, "select multiple": TypeSelectMulti, "select all that apply": TypeSelectMulti,
	"select all that apply from": TypeSelectMulti, "add select multiple prompt using": TypeSelectMulti,
	"select_one_external":       TypeSelectOneExternal,
	"select_one_from_file":      TypeSelectFile,
	"select_multiple_from_file": TypeSelectMultiFile,
	"rank":                      TypeRank,
	"osm":                       TypeOSM,
}

// selectPrefixes holds selectCommands' keys, longest first, so "select one
// from" wins over "select one".
var selectPrefixes = func() []string {
	keys := make([]string, 0, len(selectCommands))
	for k := range selectCommands {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	return keys
}()

// rowKind is what a survey row's type makes of it.
type rowKind int

const (
	kindQuestion rowKind = iota
	kindBeginGroup
	kindEndGroup
	kindBeginRepeat
	kindEndRepeat
	kindBeginLoop
	kindEndLoop
	kindUnknown
)

// parsedType is a survey type cell, understood.
type parsedType struct {
	kind    rowKind
	typ     Type
	arg     string // list name, file name, ${q}, or the loop's list
	orOther bool
}

// parseType understands a type cell (already whitespace-collapsed).
func parseType(s string) parsedType {
	switch s {
	case "begin group", "begin_group":
		return parsedType{kind: kindBeginGroup, typ: TypeGroup}
	case "end group", "end_group":
		return parsedType{kind: kindEndGroup}
	case "begin repeat", "begin_repeat", "begin lgroup", "begin looped group":
		return parsedType{kind: kindBeginRepeat, typ: TypeRepeat}
	case "end repeat", "end_repeat", "end lgroup", "end looped group":
		return parsedType{kind: kindEndRepeat}
	case "end loop", "end_loop":
		return parsedType{kind: kindEndLoop}
	}
	if t, ok := typeAliases[s]; ok {
		return parsedType{kind: kindQuestion, typ: t}
	}
	for _, p := range []string{"begin loop over ", "begin_loop over ", "begin loop "} {
		if rest, ok := strings.CutPrefix(s, p); ok && rest != "" && !strings.Contains(rest, " ") {
			return parsedType{kind: kindBeginLoop, typ: TypeGroup, arg: rest}
		}
	}
	for _, p := range selectPrefixes {
		rest, ok := strings.CutPrefix(s, p+" ")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		other := false
		for _, suf := range []string{" or specify other", " or_other", " or other"} {
			if r, ok := strings.CutSuffix(rest, suf); ok {
				rest, other = strings.TrimSpace(r), true
				break
			}
		}
		if rest == "" || strings.ContainsAny(rest, " \t") {
			return parsedType{kind: kindUnknown}
		}
		return parsedType{kind: kindQuestion, typ: selectCommands[p], arg: rest, orOther: other}
	}
	return parsedType{kind: kindUnknown}
}

// isMetadata reports whether t is filled by the app and never shown.
func isMetadata(t Type) bool {
	switch t {
	case TypeStart, TypeEnd, TypeToday, TypeDeviceID, TypeUsername, TypeEmail, TypePhoneNumber, TypeAudit,
		TypeSimSerial, TypeSubscriberID, TypeStartGeopoint, TypeBackgroundAudio, TypeBackgroundGeo:
		return true
	}
	return false
}

// needsLabel reports whether a question of type t is a visible control that
// needs a label or a hint.
func needsLabel(t Type) bool {
	switch t {
	case TypeCalculate, TypeHidden, TypeCSVExternal, TypeXMLExternal, TypeGroup, TypeRepeat:
		return false
	}
	return !isMetadata(t)
}

// isSelect reports whether t takes a choice list from the choices sheet.
func isSelect(t Type) bool {
	switch t {
	case TypeSelectOne, TypeSelectMulti, TypeRank, TypeSelectOneExternal, TypeOSM:
		return true
	}
	return false
}
