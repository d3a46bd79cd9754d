"""The place search over the portal's own places (landmarks, stations, areas), in zh, zh_Hant and
en, and the search box on the web form's picker."""
import pytest


def search(client, q, lang="en"):
    response = client.get("/places/search.json", query_string={"q": q, "lang": lang})
    assert response.status_code == 200
    return response.get_json()["results"]


def test_english_names_find_landmarks_and_areas_names_starting_with_it_first(client):
    results = search(client, "riverside")
    names = [r["name"] for r in results]
    assert names[:2] == ["Riverside Eye", "Riverside Grid"]  # starting with it, landmark first
    assert "Yangpu Riverside" in names
    grid = next(r for r in results if r["name"] == "Riverside Grid")
    assert grid["kind"] == "area" and grid["kind_label"] == "Area"
    assert grid["area"] == {"code": "riverside", "name": "Riverside Grid"}
    assert grid["bounds"] is None and grid["point"] is None  # no boundary loaded, no guess


def test_chinese_finds_the_landmark_and_the_subdistrict(client):
    results = search(client, "五角场", lang="zh")
    assert [(r["kind"], r["name"]) for r in results] == [("landmark", "五角场"),
                                                         ("area", "五角场街道")]
    assert all(r["area"]["code"] == "wujiaochang" for r in results)
    assert results[0]["kind_label"] == "地标"


@pytest.mark.parametrize("q", ["濱江", "滨江"])
def test_either_script_finds_the_place_and_traditional_pages_name_it_in_traditional(client, q):
    names = [r["name"] for r in search(client, q, lang="zh_Hant")]
    assert "濱江單獨網格" in names and "楊浦濱江" in names
    assert not any("滨" in n for n in names)
    assert "滨江单独网格" in [r["name"] for r in search(client, q, lang="zh")]


def test_stations_are_found_with_their_area(client):
    results = search(client, "驿站一号", lang="zh")
    assert [r["kind"] for r in results] == ["station"]
    assert results[0]["area"]["code"] == "riverside"
    assert search(client, "Station No. 4")[0]["area"]["code"] == "dinghai-road"


@pytest.mark.parametrize("q", ["", "   ", "no such place", "x" * 500])
def test_nothing_or_no_match_is_an_empty_list(client, q):
    assert search(client, q) == []


def test_with_boundaries_an_area_carries_its_bounds_for_the_map(client, fake_boundaries):
    from tests.places.helpers import RIVERSIDE

    grid = next(r for r in search(client, "riverside grid"))
    west, south, east, north = RIVERSIDE
    assert grid["bounds"] == [[pytest.approx(south), pytest.approx(west)],
                              [pytest.approx(north), pytest.approx(east)]]


@pytest.mark.parametrize("lang, label", [("en", "Find a place (a landmark, a station or an area)"),
                                         ("zh", "查找地点（地标、驿站或区域）")])
def test_the_web_form_picker_has_the_search_box(client, lang, label):
    page = client.get(f"/submit?kind=issue&lang={lang}").get_data(as_text=True)
    assert label in page
    assert f'data-search-url="/places/search.json?lang={lang}"' in page
    assert 'js/mapbase.js' in page and 'id="place-results"' in page
    # Without JavaScript the picker stays hidden and the area list is the way to choose.
    assert 'id="location-picker" hidden' in page and 'name="area"' in page
