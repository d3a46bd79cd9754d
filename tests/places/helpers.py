"""Plain helpers for the places tests: clearly fake test polygons (NOT real boundaries).

The twelve subdistricts are laid out as invented rectangles on a 4 x 3 grid, and the riverside
grid as an invented strip across the southern edge of the first three cells (定海路, 平凉路,
大桥), so the grid's precedence can be tested by geometry. None of this is survey data.
"""
import json

WEST, SOUTH, STEP_LON, STEP_LAT = 121.50, 31.26, 0.015, 0.02
ROWS = [["dinghai-road", "pingliang-road", "daqiao", "jiangpu-road"],
        ["siping-road", "kongjiang-road", "changbai-xincun", "yanji-xincun"],
        ["yinhang", "wujiaochang", "xinjiangwancheng", "changhai-road"]]
RIVERSIDE = (WEST, SOUTH, WEST + 3 * STEP_LON, SOUTH + 0.005)  # fake strip across 3 cells


def box(west, south, east, north) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                [west, north], [west, south]]]}


def feature(code, geometry) -> dict:
    return {"type": "Feature", "properties": {"code": code}, "geometry": geometry}


def fake_features(codes=None) -> list:
    features = [feature("riverside", box(*RIVERSIDE))]
    for row, names in enumerate(ROWS):
        for col, code in enumerate(names):
            west, south = WEST + col * STEP_LON, SOUTH + row * STEP_LAT
            features.append(feature(code, box(west, south, west + STEP_LON, south + STEP_LAT)))
    return [f for f in features if codes is None or f["properties"]["code"] in codes]


def collection(features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


# Points inside the fake layout.
IN_RIVERSIDE_AND_DINGHAI = (31.262, 121.505)  # (lat, lon)
IN_DINGHAI_ONLY = (31.275, 121.505)
IN_WUJIAOCHANG = (31.31, 121.52)
OUTSIDE_LAYOUT = (31.33, 121.40)
