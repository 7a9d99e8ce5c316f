package survey

import "sira/forms/xpath"

// The xpath package's conversions, in one place.

func toString(v xpath.Value) string  { return xpath.ToString(v) }
func toNumber(v xpath.Value) float64 { return xpath.ToNumber(v) }
func toBool(v xpath.Value) bool      { return xpath.ToBool(v) }
