"""Dates the search cannot hold (year 1, year 9999) are a clear 400, never a 5xx."""
import pytest


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31",
                                   "date_from=0001-01-01&date_to=9999-12-31"])
def test_out_of_range_dates_are_refused_next_to_the_field(client, publish, index_now, query):
    publish("路灯不亮")
    index_now()
    response = client.get(f"/search?q=路灯&{query}&lang=en")
    assert response.status_code == 400
    assert "Give a date between 1900-01-01 and 9000-12-31." in response.get_data(as_text=True)


def test_dates_in_range_still_search(client, publish, index_now):
    publish("路灯不亮")
    index_now()
    response = client.get("/search?q=路灯&date_from=2000-01-01&date_to=2999-12-31&lang=en")
    assert response.status_code == 200
    assert "<mark>路灯</mark>不亮" in response.get_data(as_text=True)
