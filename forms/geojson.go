package forms

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// MaxGeoJSONBytes bounds a GeoJSON choices file read beside a form.
const MaxGeoJSONBytes = 64 << 20

// readChoiceGeoJSON reads a select_one_from_file GeoJSON file as ODK
// Collect does: one choice per feature of a FeatureCollection, the value
// from the property valueCol ("id" by default, else the feature's id), the
// label from labelCol ("title" by default), every other property kept as an
// extra column, and the geometry as "geometry" in ODK's "lat lon alt acc"
// (points; "; "-separated for lines and polygons).
func readChoiceGeoJSON(path, valueCol, labelCol string) (*ChoiceList, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxGeoJSONBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxGeoJSONBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxGeoJSONBytes)
	}
	return parseChoiceGeoJSON(filepath.Base(path), data, valueCol, labelCol)
}

type geoFeature struct {
	Type       string         `json:"type"`
	ID         any            `json:"id"`
	Properties map[string]any `json:"properties"`
	Geometry   *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

// parseChoiceGeoJSON is readChoiceGeoJSON on the file's bytes.
func parseChoiceGeoJSON(name string, data []byte, valueCol, labelCol string) (*ChoiceList, error) {
	if valueCol == "" {
		valueCol = "id"
	}
	if labelCol == "" {
		labelCol = "title"
	}
	var fc struct {
		Type     string       `json:"type"`
		Features []geoFeature `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("not GeoJSON: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("not a GeoJSON FeatureCollection (type %q)", fc.Type)
	}
	if len(fc.Features) > MaxSheetRows {
		return nil, fmt.Errorf("%w: more than %d features", ErrTooLarge, MaxSheetRows)
	}
	l := &ChoiceList{Name: name}
	seen := map[string]int{}
	for i, ft := range fc.Features {
		where := fmt.Sprintf("feature %d", i+1)
		if ft.Type != "Feature" {
			return nil, fmt.Errorf("%s: type %q, want Feature", where, ft.Type)
		}
		ch := &Choice{Row: i + 1}
		if v, ok := ft.Properties[valueCol]; ok {
			ch.Name = jsonScalar(v)
		} else if ft.ID != nil {
			ch.Name = jsonScalar(ft.ID)
		}
		if ch.Name == "" {
			return nil, fmt.Errorf("%s: no %q property and no id", where, valueCol)
		}
		if j, dup := seen[ch.Name]; dup {
			return nil, fmt.Errorf("%s: id %q repeats feature %d", where, ch.Name, j)
		}
		seen[ch.Name] = i + 1
		if v, ok := ft.Properties[labelCol]; ok {
			ch.Label = Text{"": jsonScalar(v)}
		}
		keys := make([]string, 0, len(ft.Properties))
		for k := range ft.Properties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == valueCol || k == labelCol || k == "geometry" || !ncName.MatchString(k) {
				continue
			}
			if v := jsonScalar(ft.Properties[k]); v != "" {
				if ch.Extra == nil {
					ch.Extra = map[string]string{}
				}
				ch.Extra[k] = v
			}
		}
		if ft.Geometry != nil {
			g, err := odkGeometry(ft.Geometry.Type, ft.Geometry.Coordinates)
			if err != nil {
				return nil, fmt.Errorf("%s: geometry: %w", where, err)
			}
			if ch.Extra == nil {
				ch.Extra = map[string]string{}
			}
			ch.Extra["geometry"] = g
		}
		l.Choices = append(l.Choices, ch)
	}
	return l, nil
}

// odkGeometry writes GeoJSON coordinates ([lon, lat(, alt)]) as ODK does:
// "lat lon alt 0" per point, points of lines and polygons joined by "; ".
func odkGeometry(typ string, raw json.RawMessage) (string, error) {
	point := func(c []float64) (string, error) {
		if len(c) < 2 {
			return "", fmt.Errorf("a position has %d numbers", len(c))
		}
		alt := 0.0
		if len(c) > 2 {
			alt = c[2]
		}
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		return f(c[1]) + " " + f(c[0]) + " " + f(alt) + " 0", nil
	}
	join := func(cs [][]float64) (string, error) {
		parts := make([]string, len(cs))
		for i, c := range cs {
			p, err := point(c)
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return strings.Join(parts, "; "), nil
	}
	switch typ {
	case "Point":
		var c []float64
		if err := json.Unmarshal(raw, &c); err != nil {
			return "", err
		}
		return point(c)
	case "LineString":
		var cs [][]float64
		if err := json.Unmarshal(raw, &cs); err != nil {
			return "", err
		}
		return join(cs)
	case "Polygon":
		var rings [][][]float64
		if err := json.Unmarshal(raw, &rings); err != nil {
			return "", err
		}
		if len(rings) == 0 {
			return "", nil
		}
		return join(rings[0])
	}
	return "", fmt.Errorf("type %q: ODK reads Point, LineString and Polygon", typ)
}

// jsonScalar renders a property's value as text (numbers without
// exponent, objects and arrays as "").
func jsonScalar(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
