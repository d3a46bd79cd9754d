"""Horizontal bar charts as geometry for server-drawn SVG (no script, no inline style)."""

ROW_HEIGHT = 22
LABEL_WIDTH = 170
BAR_WIDTH = 300
VALUE_WIDTH = 60


def bar_chart(rows, metric: str, *, label, percent: bool = False) -> dict:
    """Bars for `metric` of each row (`label(row)` names it); a share is drawn out of 100."""
    values = [row[metric] for row in rows]
    top = 100.0 if percent else float(max((v for v in values if v is not None), default=0) or 1)
    bars = []
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = index * ROW_HEIGHT
        width = 0.0 if value is None else round(BAR_WIDTH * value / top, 1)
        shown = "–" if value is None else (f"{value}%" if percent else str(value))
        bars.append({"label": label(row), "y": y, "bar_y": y + 4, "text_y": y + 15,
                     "width": width, "value": shown})
    return {"bars": bars, "width": LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH,
            "height": max(ROW_HEIGHT, len(bars) * ROW_HEIGHT), "bar_x": LABEL_WIDTH,
            "value_x": LABEL_WIDTH + BAR_WIDTH + 6, "label_x": LABEL_WIDTH - 6}
