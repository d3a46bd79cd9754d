"""Bulk decisions with ids no database integer can hold: refused, never a 5xx."""
import pytest

from tests.moderation.helpers import post_from


@pytest.mark.parametrize("ids", [["99999999999999999999"], ["9223372036854775808"],
                                 ["2147483648"], ["①"], ["-9223372036854775809"]])
def test_bulk_with_impossible_ids_selects_nothing(app, make_record, moderator, ids):
    make_record()
    response = post_from(moderator, "/staff/queue?lang=en", "/staff/queue/bulk",
                         {"ids": ids, "action": "accept", "reason": ""})
    assert response.status_code == 303
    page = moderator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Select at least one submission." in page
