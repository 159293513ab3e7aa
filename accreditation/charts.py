"""A stacked bar chart of awards per week by status, drawn server-side as SVG (no script, no inline
style: colours come from classes in static/portal/portal.css, so the CSP stays strict)."""

from dataclasses import dataclass

from accreditation.models import Award

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 240, 40, 30, 10
CHART_STATUSES = [s for s, _label in Award.STATUS_CHOICES]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    status: str
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) for the axis
    weeks: list[tuple[float, str]]  # (x of the label's centre, week label)
    legend: list[tuple[str, str]]
    baseline: float
    left: int
    total: int


def weekly_status_chart(weeks: list[dict]) -> Chart:
    labels = dict(Award.STATUS_CHOICES)
    peak = max([sum(w["counts"].values()) for w in weeks] + [1])
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(weeks), 1)
    bars, axis = [], []
    for index, week in enumerate(weeks):
        x = LEFT + index * slot + slot * 0.15
        y = HEIGHT - BOTTOM
        for status in CHART_STATUSES:
            count = week["counts"].get(status, 0)
            if not count:
                continue
            height = plot_height * count / peak
            y -= height
            bars.append(Bar(round(x, 1), round(y, 1), round(slot * 0.7, 1), round(height, 1), status,
                            f"{week['week']:%Y-%m-%d}: {count} {labels[status]}"))
        axis.append((round(LEFT + index * slot + slot / 2, 1), f"{week['week']:%d-%m}"))
    ticks = [(round(HEIGHT - BOTTOM - plot_height * v / peak, 1), v) for v in sorted({0, peak // 2, peak})]
    total = sum(sum(w["counts"].values()) for w in weeks)
    return Chart(WIDTH, HEIGHT, bars, ticks, axis, [(s, labels[s]) for s in CHART_STATUSES], HEIGHT - BOTTOM, LEFT,
                 total)
