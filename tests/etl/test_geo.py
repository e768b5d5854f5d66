"""Boundary simplification: Douglas–Peucker on synthetic shapes, and the real files when ../shared is present."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from etl import geo, load
from etl.errors import InputError
from etl.paths import DATA_DIR
from etl.regions import KALUGA_CODE, RegionResolver

BUNDLED = DATA_DIR / "geo"


def wobbly_square(points_per_side: int = 50, wobble: float = 0.001) -> list[list[float]]:
    """A 1x1 square, clockwise, with many points on each side displaced by at most `wobble`."""
    corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    ring = []
    for n, (x0, y0) in enumerate(corners):
        x1, y1 = corners[(n + 1) % 4]
        for k in range(points_per_side):
            f = k / points_per_side
            offset = wobble * math.sin(k)
            ring.append([x0 + (x1 - x0) * f + offset * (y1 - y0), y0 + (y1 - y0) * f + offset * (x1 - x0)])
    return [*ring, ring[0]]


def square(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y], [x, y + size], [x + size, y + size], [x + size, y], [x, y]]


def test_douglas_peucker_keeps_corners_and_drops_noise():
    line = np.array([[0, 0], [1, 0.001], [2, -0.001], [3, 0], [4, 2], [5, 0]], dtype=float)
    kept = geo.douglas_peucker(line, 0.01)
    assert kept.tolist() == [[0, 0], [3, 0], [4, 2], [5, 0]]
    assert geo.douglas_peucker(line, 10).tolist() == [[0, 0], [5, 0]]
    assert geo.douglas_peucker(line[:2], 0.01).tolist() == line[:2].tolist()


def test_ring_simplified_to_its_corners_closed_and_same_orientation():
    ring = wobbly_square()
    simplified = geo.simplify_ring(ring, tolerance=0.01, decimals=3)
    assert simplified is not None
    assert simplified[0] == simplified[-1]
    assert sorted(map(tuple, simplified[:-1])) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert np.sign(geo.ring_area(simplified)) == np.sign(geo.ring_area(ring)) == -1
    # A fine tolerance keeps the wobble; rounding keeps at most `decimals` places.
    fine = geo.simplify_ring(ring, tolerance=0.0001, decimals=4)
    assert len(fine) > 100
    assert all(round(c, 4) == c for point in fine for c in point)


def test_rings_that_collapse_are_dropped():
    assert geo.simplify_ring(square(10, 10, 0.0001), tolerance=0.01, decimals=3) is None
    assert geo.simplify_ring([[0, 0], [1, 1], [0, 0]], tolerance=0.01, decimals=3) is None
    assert geo.simplify_ring([[0, 0], [1, 0], [2, 0], [0, 0]], tolerance=0.01, decimals=3) is None
    islands = {"type": "MultiPolygon", "coordinates": [
        [wobbly_square(), square(0.4, 0.4, 0.0001)],  # the hole collapses
        [square(5, 5, 0.0001)],  # a tiny island collapses
        [square(3, 3, 1)],
    ]}
    simplified = geo.simplify_geometry(islands, tolerance=0.01, decimals=3)
    assert simplified["type"] == "MultiPolygon"
    assert [len(polygon) for polygon in simplified["coordinates"]] == [1, 1]
    single = geo.simplify_geometry({"type": "Polygon", "coordinates": [square(0, 0, 1)]}, 0.01, 3)
    assert single == {"type": "Polygon", "coordinates": [square(0, 0, 1)]}
    assert geo.simplify_geometry({"type": "Polygon", "coordinates": [square(0, 0, 1e-5)]}, 0.01, 3) is None
    with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
        geo.simplify_geometry({"type": "Point", "coordinates": [0, 0]}, 0.01, 3)


def test_antimeridian_shift_moves_negative_longitudes_east():
    chukotka = {"type": "MultiPolygon", "coordinates": [[square(170, 65, 5)], [square(-175, 65, 5)]]}
    shifted = geo.shift_antimeridian(chukotka)
    lons = [x for polygon in shifted["coordinates"] for ring in polygon for x, _ in ring]
    assert min(lons) == 170 and max(lons) == 190


def test_collection_keeps_small_features_by_refining_the_tolerance():
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"district": "big", "extra": 1},
         "geometry": {"type": "Polygon", "coordinates": [wobbly_square()]}},
        {"type": "Feature", "properties": {"district": "small"},
         "geometry": {"type": "Polygon", "coordinates": [square(2, 2, 0.004)]}},
    ]}
    simplified = geo.simplify_collection(collection, 0.01, 3, geo.kaluga_properties)
    assert [f["properties"] for f in simplified["features"]] == [{"district": "big"}, {"district": "small"}]
    assert simplified["features"][1]["geometry"]["coordinates"] == [square(2, 2, 0.004)]
    vanishing = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"district": "dot"},
         "geometry": {"type": "Polygon", "coordinates": [square(2, 2, 1e-6)]}}]}
    with pytest.raises(InputError, match="survives simplification"):
        geo.simplify_collection(vanishing, 0.01, 3, geo.kaluga_properties, "dots.geojson")


def test_region_names_resolve_or_the_build_stops():
    properties = geo.russia_properties(RegionResolver.from_reference())
    assert properties({"properties": {"name": "Калужская область", "name_latin": "Kaluga Oblast",
                                      "cartodb_id": 1}}) == {
        "code": KALUGA_CODE, "name": "Калужская область", "name_latin": "Kaluga Oblast"}
    with pytest.raises(InputError, match=r"known to data/reference/regions\.csv"):
        properties({"properties": {"name": "Атлантида"}})


def _check_rings(collection: dict) -> None:
    for feature in collection["features"]:
        for polygon in geo._polygons(feature["geometry"]):
            for ring in polygon:
                assert len(ring) >= 4 and ring[0] == ring[-1], feature["properties"]


def test_real_files_build_within_size_targets(shared_data, tmp_path):
    written = geo.build_geo(shared_data, tmp_path)
    assert [p.name for p in written] == ["russia_regions.geojson", "kaluga_districts.geojson"]
    russia = json.loads((tmp_path / "russia_regions.geojson").read_text())
    codes = [f["properties"]["code"] for f in russia["features"]]
    assert len(codes) == len(set(codes)) == 83
    assert {KALUGA_CODE, "RU-CHU", "RU-MOW"} <= set(codes)
    assert set(russia["features"][0]["properties"]) == {"code", "name", "name_latin"}
    lons = [x for f in russia["features"] for p in geo._polygons(f["geometry"]) for r in p for x, _ in r]
    assert min(lons) >= 0 and max(lons) <= 360  # nothing west of Greenwich: Chukotka drawn in one piece
    _check_rings(russia)
    kaluga = json.loads((tmp_path / "kaluga_districts.geojson").read_text())
    assert len(kaluga["features"]) == 26
    _check_rings(kaluga)
    assert (tmp_path / "russia_regions.geojson").stat().st_size < 400_000
    assert (tmp_path / "kaluga_districts.geojson").stat().st_size < 150_000
    provenance = json.loads((tmp_path / "kaluga_districts.provenance.json").read_text())
    assert provenance["raw_sha256"] == load.sha256_of(shared_data / "geo" / "kaluga_districts_osm.geojson")
    assert "ODbL" in provenance["source"]["licence"]
    assert provenance["simplification"]["tolerance_degrees"] == 0.002
    # The build is deterministic: the bundled files are what the raw files give.
    if (BUNDLED / "russia_regions.geojson").exists():
        for name in ("russia_regions.geojson", "kaluga_districts.geojson"):
            assert (tmp_path / name).read_bytes() == (BUNDLED / name).read_bytes(), name


def test_bundled_files_match_their_provenance():
    if not (BUNDLED / "russia_regions.geojson").exists():
        pytest.skip("data/geo is not built")
    for spec in geo.GEO_SPECS:
        provenance = json.loads((BUNDLED / f"{spec.name}{geo.PROVENANCE_SUFFIX}").read_text())
        assert provenance["sha256"] == load.sha256_of(BUNDLED / f"{spec.name}.geojson")
        assert provenance["source"]["repository"] == spec.origin["repository"]
        assert provenance["simplification"]["tolerance_degrees"] == spec.tolerance
    russia = json.loads((BUNDLED / "russia_regions.provenance.json").read_text())
    assert russia["source"]["licence"] == "no licence stated" and russia["features"] == 83
