"""Public pages: the accountability figures (`/stats`) and their open-data downloads."""
from flask import Blueprint, Response, render_template, request

from portal.core.i18n import current_locale
from portal.core.pagecache import public_page
from portal.core.text import to_traditional
from portal.participation.services import adopted_counts
from portal.stations.services import active_areas, category_tree
from portal.stats.charts import bar_chart
from portal.stats.exports import figures_csv, figures_json
from portal.stats.figures import figures, month_choices, parse_query
from portal.stats.labels import DIMENSION_LABELS, METRIC_LABELS, PERCENT_METRICS

bp = Blueprint("stats", __name__, template_folder="templates")
DOWNLOAD_HEADERS = {"Cache-Control": "public, max-age=60"}


def row_name(row) -> str:
    """A breakdown row's name in the page's language (a month is its own name)."""
    if "month" in row:
        return row["month"]
    locale = current_locale()
    if locale == "en":
        return row["name_en"] or row["name_zh"]
    return to_traditional(row["name_zh"]) if locale == "zh_Hant" else row["name_zh"]


def charts_for(data) -> dict:
    """Two charts per breakdown: received, and resolved on time."""
    return {dimension: {
        "received": bar_chart(data[f"by_{dimension}"], "received", label=row_name),
        "resolved_on_time_pct": bar_chart(data[f"by_{dimension}"], "resolved_on_time_pct",
                                          label=row_name, percent=True)}
        for dimension in DIMENSION_LABELS}


@bp.app_context_processor
def stats_helpers():
    return {"STATS_METRIC_LABELS": METRIC_LABELS, "STATS_DIMENSION_LABELS": DIMENSION_LABELS,
            "STATS_PERCENT_METRICS": PERCENT_METRICS, "stats_row_name": row_name}


@bp.get("/stats")
@public_page
def public_stats():
    """The figures per area, category, team and month, as charts and tables."""
    query = parse_query(request.args)
    data = figures(query)
    return render_template("stats/public.html", data=data, query=query, charts=charts_for(data),
                           adopted=adopted_counts(), areas=active_areas(), months=month_choices(),
                           categories=[c for _t, children in category_tree() for c in children])


@bp.get("/stats.json")
def stats_json():
    """The figures as JSON (schema: docs/service-levels.md, "Figures")."""
    body = figures_json(figures(parse_query(request.args)))
    return Response(body, mimetype="application/json", headers=DOWNLOAD_HEADERS)


@bp.get("/stats.csv")
def stats_csv():
    """The figures as CSV, UTF-8 with a byte-order mark (Excel keeps the Chinese)."""
    body = figures_csv(figures(parse_query(request.args)))
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        **DOWNLOAD_HEADERS, "Content-Disposition": "attachment; filename=figures.csv"})
