"""Links built from one route: the same text `url_for` gives, for every kind of value."""
import pytest
from flask import url_for

from portal.core.urls import url_for_each

VALUES = [0, 7, 2000, 10 ** 12, "B000002000", "abc-DEF_9", "a b", "街道", "x/y", "../up", "",
          "?q=1", "%41", -3, True, 1.5, None]


@pytest.mark.parametrize("root", ["", "/portal"])
@pytest.mark.parametrize("endpoint, name, values", [
    ("submissions.published_detail", "submission_id", {}),  # a number in the path
    ("search.support", "submission_id", {}),
    ("submissions.track", "code", {}),  # text in the path
    ("submissions.track", "code", {"lang": "zh_Hant"}),  # with a query string after it
    ("search.public_search", "area", {"q": "路灯 垃圾", "page": 2}),  # in the query string
])
def test_each_link_equals_url_for(app, root, endpoint, name, values):
    with app.test_request_context("/", base_url=f"http://portal.test{root}"):
        link = url_for_each(endpoint, name, **values)
        for value in VALUES:
            try:
                expected = url_for(endpoint, **values, **{name: value})
            except Exception as exc:  # noqa: BLE001  (a value the route refuses)
                with pytest.raises(type(exc)):
                    link(value)
                continue
            assert link(value) == expected, value


def test_a_search_page_links_its_results_as_url_for_does(app, client, publish, index_now):
    """The results' links (title, support form) go to each result's own pages."""
    ids = [publish(f"Street lamp {n} dark by the ferry gate") for n in range(3)]
    index_now()
    page = client.get("/search?q=lamp&lang=en").get_data(as_text=True)
    with app.test_request_context("/"):
        for submission_id in ids:
            detail = url_for("submissions.published_detail", submission_id=submission_id)
            assert f'href="{detail}"' in page
            assert f'action="{url_for("search.support", submission_id=submission_id)}"' in page
