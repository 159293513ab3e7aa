"""The progress chart: a server-side SVG line (the CSP allows no inline script or style)."""

from dataclasses import dataclass

from django.utils import timezone

WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 640, 240, 44, 30, 12, 16


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    progress: float


@dataclass(frozen=True)
class Chart:
    points: tuple[ChartPoint, ...]
    path: str
    y_ticks: tuple[tuple[float, int], ...]  # (y, percent)
    x_labels: tuple[tuple[float, str, str], ...]  # (x, label, text-anchor)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM
    plot_right: int = WIDTH - RIGHT


def progress_chart(snapshots) -> Chart | None:
    """Points placed by time (x) and percent (y); None without any snapshot."""
    if not snapshots:
        return None
    first, last = snapshots[0].taken_at, snapshots[-1].taken_at
    span = (last - first).total_seconds() or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y_of(percent: float) -> float:
        return round(TOP + plot_h * (1 - max(0.0, min(100.0, percent)) / 100), 1)

    points = []
    for snapshot in snapshots:
        x = LEFT + (plot_w * (snapshot.taken_at - first).total_seconds() / span if len(snapshots) > 1 else plot_w / 2)
        moment = timezone.localtime(snapshot.taken_at)
        points.append(ChartPoint(round(x, 1), y_of(snapshot.progress), f"{moment:%Y-%m-%d %H:%M}",
                                 snapshot.progress))
    path = "M " + " L ".join(f"{p.x} {p.y}" for p in points)
    # The first and last pull under the axis: their days, or their times when both fall on one day.
    same_day = points[0].label[:10] == points[-1].label[:10]
    ends = [(points[0], "start"), (points[-1], "end")] if len(points) > 1 else [(points[0], "middle")]
    labels = tuple((p.x, p.label[11:] if same_day and len(points) > 1 else p.label[:10], anchor) for p, anchor in ends)
    return Chart(points=tuple(points), path=path, y_ticks=tuple((y_of(p), p) for p in (0, 25, 50, 75, 100)),
                 x_labels=labels)
