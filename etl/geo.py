"""Boundary files for the maps (data/geo): Douglas–Peucker simplification, rounding, provenance.

Pure functions over GeoJSON dicts, and one build step (`build_geo`) that `make data` runs after the
extracts: read the raw file from ../shared/data, simplify, check the size, write it with a record
of where it came from beside it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from etl import load
from etl.errors import InputError, Rejection
from etl.regions import RegionResolver

Ring = list[list[float]]
PROVENANCE_SUFFIX = ".provenance.json"


@dataclass(frozen=True)
class GeoSpec:
    """One bundled boundary file: where the raw file is, how hard to simplify it, where it came from."""

    name: str  # output stem: data/geo/<name>.geojson
    raw: str  # path relative to ../shared/data
    tolerance: float  # Douglas–Peucker tolerance, degrees
    decimals: int  # coordinate rounding
    max_bytes: int
    origin: dict
    licence: str
    producer: str


GEO_SPECS: tuple[GeoSpec, ...] = (
    GeoSpec(
        name="russia_regions", raw="geo/russia_regions_2013.geojson", tolerance=0.03, decimals=3,
        max_bytes=400_000,
        origin={"repository": "InformSeij/Russian_map", "commit": "00cf0d5419bff92cef96c54d9d3d07e2f8edbc74",
                "path": "map.geojson", "manifest": "shared/data/MANIFEST.md: InformSeij/Russian_map @00cf0d54"},
        licence="no licence stated", producer="InformSeij/Russian_map (CartoDB export, 2013 boundaries)",
    ),
    GeoSpec(
        name="kaluga_districts", raw="geo/kaluga_districts_osm.geojson", tolerance=0.002, decimals=4,
        max_bytes=150_000,
        origin={"repository": "timurkanaz/Russia_geojson_OSM", "commit": "5af46d6d",
                "path": "not stated in shared/data/MANIFEST.md",
                "manifest": "shared/data/MANIFEST.md: timurkanaz/Russia_geojson_OSM @5af46d6d"},
        licence="OpenStreetMap-derived: © OpenStreetMap contributors, ODbL 1.0 (repository states no licence)",
        producer="OpenStreetMap contributors, via timurkanaz/Russia_geojson_OSM",
    ),
)


# --- simplification ---------------------------------------------------------------------------

def douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """The points of an open polyline that Douglas–Peucker keeps (first and last always)."""
    points = np.asarray(points, dtype=float)
    n = len(points)
    if n <= 2:
        return points
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    # An explicit stack, not recursion: coastlines have thousands of points.
    stack = [(0, n - 1)]
    while stack:
        start, end = stack.pop()
        if end <= start + 1:
            continue
        origin, segment = points[start], points[end] - points[start]
        inner = points[start + 1:end] - origin
        length = float(np.hypot(*segment))
        if length == 0.0:
            distances = np.hypot(inner[:, 0], inner[:, 1])
        else:
            distances = np.abs(segment[0] * inner[:, 1] - segment[1] * inner[:, 0]) / length
        farthest = int(np.argmax(distances))
        if distances[farthest] > tolerance:
            split = start + 1 + farthest
            keep[split] = True
            stack.extend(((start, split), (split, end)))
    return points[keep]


def ring_area(ring: np.ndarray | Ring) -> float:
    """Signed planar area of a closed ring (shoelace), in square degrees."""
    xy = np.asarray(ring, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def simplify_ring(ring: Ring, tolerance: float, decimals: int) -> Ring | None:
    """A closed ring simplified and rounded; None when it collapses (< 3 distinct corners or no area)."""
    points = np.asarray(ring, dtype=float)[:, :2]
    if len(points) and not np.array_equal(points[0], points[-1]):
        points = np.vstack([points, points[:1]])
    body = points[:-1]
    if len(body) < 3:
        return None
    # A closed ring has no natural end points: split it at the corner farthest from the first one,
    # so both halves are open polylines whose ends certainly belong to the outline.
    far = int(np.argmax(np.hypot(*(body - body[0]).T)))
    if far == 0:
        return None
    first = douglas_peucker(body[:far + 1], tolerance)
    second = douglas_peucker(np.vstack([body[far:], body[:1]]), tolerance)
    simplified = np.round(np.vstack([first, second[1:]]), decimals)
    # Rounding can make neighbours equal; drop the repeats (the closing point is added back below).
    changed = np.any(np.diff(simplified, axis=0) != 0, axis=1)
    simplified = simplified[np.concatenate([[True], changed])]
    if np.array_equal(simplified[0], simplified[-1]):
        simplified = simplified[:-1]
    if len(simplified) < 3:
        return None
    closed = np.vstack([simplified, simplified[:1]])
    if ring_area(closed) == 0.0:
        return None
    return [[_plain(x, decimals), _plain(y, decimals)] for x, y in closed]


def _plain(value: float, decimals: int) -> float | int:
    """A rounded coordinate written without a trailing '.0' (smaller files)."""
    value = round(float(value), decimals)
    return int(value) if value.is_integer() else value


def _polygons(geometry: dict) -> list[list[Ring]]:
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"expected Polygon or MultiPolygon, found {kind!r}")


def simplify_geometry(geometry: dict, tolerance: float, decimals: int) -> dict | None:
    """A (Multi)Polygon simplified ring by ring; collapsed rings and polygons dropped; None if nothing is left."""
    kept = []
    for polygon in _polygons(geometry):
        exterior = simplify_ring(polygon[0], tolerance, decimals)
        if exterior is None:
            continue
        holes = [hole for hole in (simplify_ring(r, tolerance, decimals) for r in polygon[1:]) if hole]
        kept.append([exterior, *holes])
    if not kept:
        return None
    if len(kept) == 1:
        return {"type": "Polygon", "coordinates": kept[0]}
    return {"type": "MultiPolygon", "coordinates": kept}


def shift_antimeridian(geometry: dict) -> dict:
    """Longitudes below 0 moved by +360, so a region crossing 180° (Chukotka) is drawn in one piece."""
    def shift(ring: Ring) -> Ring:
        return [[x + 360 if x < 0 else x, *rest] for x, *rest in ring]

    polygons = [[shift(ring) for ring in polygon] for polygon in _polygons(geometry)]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def simplify_collection(collection: dict, tolerance: float, decimals: int,
                        properties: Callable[[dict], dict], file_name: str = "geojson") -> dict:
    """Every feature shifted across the antimeridian, simplified, with `properties(feature)` as its properties.

    A feature whose every ring collapses is retried with a finer tolerance, so no area disappears.
    """
    features = []
    for number, feature in enumerate(collection.get("features") or [], start=1):
        geometry = shift_antimeridian(feature["geometry"])
        step = tolerance
        simplified = simplify_geometry(geometry, step, decimals)
        while simplified is None and step > 10 ** -decimals:
            step /= 4
            simplified = simplify_geometry(geometry, step, decimals)
        if simplified is None:
            raise InputError(Rejection(file_name, None, number, "geometry",
                                       "expected a polygon that survives simplification",
                                       json.dumps(feature.get("properties"), ensure_ascii=False)))
        features.append({"type": "Feature", "properties": properties(feature), "geometry": simplified})
    return {"type": "FeatureCollection", "features": features}


def count_points(collection: dict) -> int:
    """How many positions a FeatureCollection of (Multi)Polygons holds."""
    return sum(len(ring) for feature in collection["features"] for polygon in _polygons(feature["geometry"])
               for ring in polygon)


# --- properties per file ----------------------------------------------------------------------

def russia_properties(resolver: RegionResolver, file_name: str = "russia_regions_2013.geojson"
                      ) -> Callable[[dict], dict]:
    """Keep name and name_latin, add the canonical region `code`; an unresolvable name is an error."""
    def properties(feature: dict) -> dict:
        props = feature.get("properties") or {}
        code = resolver.resolve(props.get("name"))
        if code is None:
            raise InputError(Rejection(file_name, None, None, "name",
                                       "expected a region name known to data/reference/regions.csv",
                                       str(props.get("name"))))
        return {"code": code, "name": props.get("name"), "name_latin": props.get("name_latin")}

    return properties


def kaluga_properties(feature: dict) -> dict:
    """Only the district's name (the featureidkey of the companies map)."""
    return {"district": (feature.get("properties") or {}).get("district")}


# --- the build step ---------------------------------------------------------------------------

def build_one(spec: GeoSpec, raw_path: Path, out_dir: Path) -> Path:
    """Simplify one raw boundary file into out_dir/<name>.geojson, with its provenance record."""
    collection = json.loads(raw_path.read_text(encoding="utf-8"))
    if spec.name == "russia_regions":
        properties = russia_properties(RegionResolver.from_reference(), raw_path.name)
    else:
        properties = kaluga_properties
    simplified = simplify_collection(collection, spec.tolerance, spec.decimals, properties, raw_path.name)
    _check_features(spec, simplified, len(collection["features"]), raw_path.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{spec.name}.geojson"
    text = json.dumps(simplified, ensure_ascii=False, separators=(",", ":"))
    size = len(text.encode("utf-8"))
    if size >= spec.max_bytes:
        raise InputError(Rejection(raw_path.name, None, None, None,
                                   f"expected a simplified file under {spec.max_bytes} bytes at tolerance "
                                   f"{spec.tolerance}", f"{size} bytes"))
    target.write_text(text + "\n", encoding="utf-8")
    provenance = {
        "name": spec.name,
        "file": target.name,
        "source_file": raw_path.name,
        "source": {**spec.origin, "producer": spec.producer, "licence": spec.licence},
        "raw_sha256": load.sha256_of(raw_path),
        "sha256": load.sha256_of(target),
        "features": len(simplified["features"]),
        "points": {"raw": count_points({"features": collection["features"]}), "kept": count_points(simplified)},
        "simplification": {"method": "Douglas–Peucker per ring (etl/geo.py)", "tolerance_degrees": spec.tolerance,
                           "coordinate_decimals": spec.decimals,
                           "antimeridian": "longitudes < 0 shifted by +360"},
        "notes": _notes(spec, collection),
    }
    (out_dir / f"{spec.name}{PROVENANCE_SUFFIX}").write_text(
        json.dumps(provenance, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def _check_features(spec: GeoSpec, simplified: dict, expected: int, file_name: str) -> None:
    found = len(simplified["features"])
    if found != expected:
        raise InputError(Rejection(file_name, None, None, None, f"expected {expected} features", str(found)))
    if spec.name == "russia_regions":
        codes = [f["properties"]["code"] for f in simplified["features"]]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise InputError(Rejection(file_name, None, None, "name", "expected one feature per region",
                                       ", ".join(duplicates)))


def _notes(spec: GeoSpec, collection: dict) -> list[str]:
    notes = []
    if spec.name == "russia_regions":
        # NOTE: this source clips Chukotka at 180° E: the part east of the antimeridian (Chukotka
        # peninsula's tip, Wrangel Island) is not in the file, so the +360 shift finds nothing to move.
        lons = [x for f in collection["features"] for p in _polygons(f["geometry"]) for r in p for x, *_ in r]
        notes.append(f"raw longitudes span {min(lons)}..{max(lons)}; the source has no part of Chukotka east "
                     "of 180° (it is clipped there), so nothing was shifted and that part is not drawn")
        notes.append("2013 boundaries: 83 regions, no Crimea or Sevastopol")
    return notes


def build_geo(shared: Path, out_dir: Path) -> list[Path]:
    """Write every bundled boundary file (data/geo) from the raw files in shared."""
    return [build_one(spec, shared / spec.raw, out_dir) for spec in GEO_SPECS]
