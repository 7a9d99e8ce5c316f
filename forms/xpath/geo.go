package xpath

import (
	"math"
	"strconv"
	"strings"
)

// earthRadius is JavaRosa's (GeoUtils.EARTH_EQUATORIAL_RADIUS_METERS), kept
// so areas and distances match ODK Collect's to the metre.
const earthRadius = 6378100.0

type latLong struct{ lat, lon float64 }

// geoPoints reads the points of area() and distance(): a geoshape or
// geotrace answer ("lat lon alt acc;lat lon ..."), a field repeated over
// instances (one geopoint each), or several geopoint arguments.
func (ev *evaluator) geoPoints(args []node, fn string) ([]latLong, error) {
	vs, err := ev.values(args)
	if err != nil {
		return nil, err
	}
	var pts []latLong
	for _, v := range vs {
		for _, p := range strings.Split(ToString(v), ";") {
			f := strings.Fields(p)
			if len(f) == 0 {
				continue
			}
			if len(f) < 2 {
				return nil, evalErrorf("%s(): %q is not a geopoint (latitude longitude)", fn, strings.TrimSpace(p))
			}
			lat, err1 := strconv.ParseFloat(f[0], 64)
			lon, err2 := strconv.ParseFloat(f[1], 64)
			if err1 != nil || err2 != nil {
				return nil, evalErrorf("%s(): %q is not a geopoint (latitude longitude)", fn, strings.TrimSpace(p))
			}
			pts = append(pts, latLong{lat, lon})
		}
	}
	return pts, nil
}

// fnArea is JavaRosa's planar approximation: the shoelace formula on
// metres east and north of the first point.
func fnArea(ev *evaluator, args []node) (result, error) {
	pts, err := ev.geoPoints(args, "area")
	if err != nil {
		return result{}, err
	}
	if len(pts) < 3 {
		return numResult(0), nil
	}
	circ := 2 * earthRadius * math.Pi
	xs := make([]float64, 0, len(pts)-1)
	ys := make([]float64, 0, len(pts)-1)
	for _, p := range pts[1:] {
		ys = append(ys, (p.lat-pts[0].lat)*circ/360)
		xs = append(xs, (p.lon-pts[0].lon)*circ*math.Cos(p.lat*math.Pi/180)/360)
	}
	sum := 0.0
	for i := 1; i < len(xs); i++ {
		sum += (ys[i-1]*xs[i] - xs[i-1]*ys[i]) / 2
	}
	return numResult(math.Abs(sum)), nil
}

// fnDistance sums great-circle distances (spherical law of cosines)
// between successive points.
func fnDistance(ev *evaluator, args []node) (result, error) {
	pts, err := ev.geoPoints(args, "distance")
	if err != nil {
		return result{}, err
	}
	total := 0.0
	rad := math.Pi / 180
	for i := 1; i < len(pts); i++ {
		p1, p2 := pts[i-1], pts[i]
		c := math.Sin(p1.lat*rad)*math.Sin(p2.lat*rad) + math.Cos(p1.lat*rad)*math.Cos(p2.lat*rad)*math.Cos((p1.lon-p2.lon)*rad)
		total += math.Acos(math.Min(1, math.Max(-1, c))) * earthRadius
	}
	return numResult(total), nil
}

// fnGeofence reports whether a geopoint lies inside a geoshape (ray
// casting, as JavaRosa's GeoUtils.calculateIsPointInGPSPolygon).
func fnGeofence(ev *evaluator, args []node) (result, error) {
	pt, err := ev.geoPoints(args[:1], "geofence")
	if err != nil {
		return result{}, err
	}
	poly, err := ev.geoPoints(args[1:], "geofence")
	if err != nil {
		return result{}, err
	}
	if len(pt) != 1 || len(poly) < 3 {
		return boolResult(false), nil
	}
	x, y := pt[0].lon, pt[0].lat
	in := false
	for i := 1; i < len(poly); i++ {
		p1, p2 := poly[i-1], poly[i]
		if (p2.lat > y) != (p1.lat > y) &&
			x < (p1.lon-p2.lon)*(y-p2.lat)/(p1.lat-p2.lat)+p2.lon {
			in = !in
		}
	}
	return boolResult(in), nil
}
