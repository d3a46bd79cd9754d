"""The figures as open data: CSV (UTF-8 with a byte-order mark, for Excel) and JSON.

Both hold only counts and shares per area, category, team and month: no tracking code, no text
a resident wrote, nothing about a person. The JSON follows `figures.schema.json` beside this file.
"""
import csv
import io
import json
from pathlib import Path

SCHEMA_PATH = Path(__file__).with_name("figures.schema.json")
SCHEMA_ID = "https://portal.example/schemas/figures-1.json"
METRIC_COLUMNS = ["received", "acknowledged_on_time_pct", "acknowledged_on_time_base",
                  "resolved_on_time_pct", "resolved_on_time_base", "satisfaction_pct",
                  "satisfaction_base", "reopened_pct", "reopened_base",
                  "median_working_days_to_resolve", "open_backlog"]
CSV_COLUMNS = ["dimension", "code", "name_zh", "name_en", *METRIC_COLUMNS]
BOM = "\ufeff"


def figures_json(data: dict) -> str:
    """The JSON document (schema version 1)."""
    return json.dumps({"schema": SCHEMA_ID, "version": 1, **data}, ensure_ascii=False,
                      indent=1)


def _cell(value) -> str:
    return "" if value is None else str(value)


def figures_csv(data: dict) -> str:
    """One row per group (and one for the total); empty cells where a share has no base."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(["total", "", "合计", "Total", *(_cell(data["total"][c])
                                                      for c in METRIC_COLUMNS)])
    for dimension, key in (("area", "by_area"), ("category", "by_category"),
                           ("team", "by_team"), ("month", "by_month")):
        for row in data[key]:
            code = row.get("code", row.get("month"))
            writer.writerow([dimension, code, row.get("name_zh", code), row.get("name_en", code),
                             *(_cell(row[c]) for c in METRIC_COLUMNS)])
    return BOM + out.getvalue()
