package forms

// ParseChoiceGeoJSON exposes parseChoiceGeoJSON to the tests.
var ParseChoiceGeoJSON = parseChoiceGeoJSON
