"""The home page lists the five newest published submissions, and nothing unpublished."""


def test_home_lists_the_newest_five_published(client, app_ctx, make_submission):
    for i in range(7):
        make_submission(title=f"Published lamp {i}", publish=True)
    make_submission(title="Unpublished lamp")
    html = client.get("/?lang=en").get_data(as_text=True)
    shown = [f"Published lamp {i}" for i in range(7) if f"Published lamp {i}<" in html]
    assert shown == [f"Published lamp {i}" for i in range(2, 7)]
    assert html.index("Published lamp 6") < html.index("Published lamp 2")  # newest first
    assert "Unpublished lamp" not in html
