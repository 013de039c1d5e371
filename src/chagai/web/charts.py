"""Charts only the pages draw: the registry's map (offline: points on longitude and latitude axes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from chagai.cases.schema import Case
from chagai.report.html import figure_json
from chagai.results import ProjectRow

STATUS_COLOURS = {
    "exploration": "#7a5195",
    "development": "#1f77b4",
    "construction": "#17becf",
    "operating": "#2ca02c",
    "depleting": "#ff7f0e",
    "suspended": "#d62728",
    "closed": "#7f7f7f",
}


_PLACES = (
    "top center",
    "bottom center",
    "middle right",
    "middle left",
    "top right",
    "bottom right",
    "top left",
    "bottom left",
)

Box = tuple[float, float, float, float]


def _overlap(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _label_places(points: Sequence[tuple[str, float, float]], height: float) -> dict[str, str]:
    """A text position for each point's label (name, lon, lat) so labels overlap as little as they can.

    Labels are placed greedily from the north, each where it overlaps the points and the labels already placed
    least. ``height`` is the span of the latitude axis [degrees]; both axes have the same scale, and on a page
    the plot is about 300 px high, so a character is about 1/40 of the span wide and a line 1/18 high.
    """
    char, line = height / 40, height / 18
    placed: list[Box] = [(x - char, y - line / 3, x + char, y + line / 3) for _, x, y in points]
    places: dict[str, str] = {}
    for name, x, y in sorted(points, key=lambda p: (-p[2], p[1])):
        width = char * len(name)
        best: tuple[float, str, Box] | None = None
        for place in _PLACES:
            vertical, horizontal = place.split()
            dy = {"top": line * 0.9, "bottom": -line * 0.9, "middle": 0.0}[vertical]
            left = {"center": x - width / 2, "right": x + char, "left": x - char - width}[horizontal]
            box = (left, y + dy - line / 2, left + width, y + dy + line / 2)
            cost = sum(_overlap(box, other) for other in placed)
            if best is None or cost < best[0]:
                best = (cost, place, box)
            if cost == 0:
                break
        if best is not None:
            placed.append(best[2])
            places[name] = best[1]
    return places


def registry_map(cases: Sequence[Case], rows: Sequence[ProjectRow]) -> str:
    """The projects of ``rows`` as points on longitude/latitude axes, one colour per status (plotly JSON).

    A plain scatter keeps the map offline: plotly's geographic traces would fetch their base map from a CDN.
    Degrees are drawn at the same scale on both axes (a plate carree projection).
    """
    by_id = {c.id: c for c in cases}
    shown = [by_id[r.id] for r in rows]
    lons = [c.location.lon for c in shown] or [66.0]
    lats = [c.location.lat for c in shown] or [28.5]
    pad = 1.0
    x_range = [min(lons) - pad, max(lons) + pad]
    y_range = [min(lats) - pad, max(lats) + pad]
    places = _label_places([(c.name, c.location.lon, c.location.lat) for c in shown], y_range[1] - y_range[0])
    fig = go.Figure()
    groups: dict[str, list[Case]] = {}
    for row in rows:
        groups.setdefault(row.status or "unknown", []).append(by_id[row.id])
    for status, members in groups.items():
        fig.add_trace(
            go.Scatter(
                x=[c.location.lon for c in members],
                y=[c.location.lat for c in members],
                customdata=[c.id for c in members],
                text=[c.name for c in members],
                mode="markers+text",
                textposition=[places[c.name] for c in members],
                marker={"size": 14, "color": STATUS_COLOURS.get(status, "#444"), "line": {"width": 1, "color": "#fff"}},
                name=status,
                hovertemplate="%{text}<br>%{y:.2f}°N %{x:.2f}°E<extra>" + status + "</extra>",
            )
        )
    fig.update_xaxes(title="longitude [°E]", range=x_range, showgrid=True, zeroline=False, fixedrange=True)
    fig.update_yaxes(
        title="latitude [°N]",
        range=y_range,
        scaleanchor="x",
        scaleratio=1,
        showgrid=True,
        zeroline=False,
        fixedrange=True,
    )
    fig.update_layout(
        title="Where the projects are (WGS84; click a point to open the project)",
        legend={"title": {"text": "status"}},
    )
    return figure_json(fig)


def owner_ranges(stakeholders: Sequence[dict[str, Any]], paths: int) -> str:
    """Each owner's NPV over the Monte Carlo paths: a bar from P10 to P90 and a dot at P50 (plotly JSON)."""
    owners = [s for s in stakeholders if s.get("p50") is not None]
    fig = go.Figure(
        go.Scatter(
            x=[s["p50"] for s in owners],
            y=[s["label"] for s in owners],
            mode="markers",
            marker={"size": 12, "color": "#2f4f6f"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [(s["p90"] or s["p50"]) - s["p50"] for s in owners],
                "arrayminus": [s["p50"] - (s["p10"] or s["p50"]) for s in owners],
                "thickness": 6,
                "width": 0,
                "color": "#7fa3c4",
            },
            name="P50; bar from P10 to P90",
            hovertemplate="%{y}: P50 %{x:,.0f} US$m<extra></extra>",
        )
    )
    fig.add_vline(x=0, line_dash="dash", line_color="#b3261e")
    fig.update_layout(title=f"NPV by owner over {paths:,} paths: P10 to P90, dot at P50", showlegend=False)
    fig.update_xaxes(title="NPV [US$m]")
    fig.update_yaxes(automargin=True, autorange="reversed")
    return figure_json(fig)


def default_years(counts: dict[str, int], paths: int) -> str:
    """How many paths first default in each year (plotly JSON)."""
    years = sorted(counts, key=int)
    fig = go.Figure(go.Bar(x=[int(y) for y in years], y=[100 * counts[y] / paths for y in years], name="first default"))
    fig.update_layout(title=f"Year of the first default, share of {paths:,} paths")
    fig.update_xaxes(title="year", dtick=1)
    fig.update_yaxes(title="paths [%]")
    return figure_json(fig)


def histogram(data: dict[str, Any]) -> str:
    """A distribution given as bin edges and counts (plotly JSON)."""
    edges, counts = data["edges"], data["counts"]
    centres = [(edges[i] + edges[i + 1]) / 2 for i in range(len(counts))]
    widths = [edges[i + 1] - edges[i] for i in range(len(counts))]
    label = str(data.get("label") or data.get("key") or "value")
    axis = f"{label} [{data['unit']}]" if data.get("unit") else label
    fig = go.Figure(go.Bar(x=centres, y=counts, width=widths, name=label))
    fig.update_layout(title=f"{label} over the paths", bargap=0)
    fig.update_xaxes(title=axis)
    fig.update_yaxes(title="paths")
    return figure_json(fig)
