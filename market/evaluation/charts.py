"""Scorecard charts (pygal SVG served as images, like the money charts)."""
import pygal
from flask_babel import gettext as _

from market.money.charts import STYLE


def scores_over_time(points: list[tuple[str, float]], title: str) -> bytes:
    """Evaluation totals in the order they were published."""
    # The labels ("HT2026-000001 中期评估") are long: turned, shortened and given room, never clipped.
    chart = pygal.Line(style=STYLE, js=[], width=800, height=360, title=title, show_legend=False, range=(0, 100),
                       print_values=True, value_formatter=lambda v: f"{v:.2f}", x_label_rotation=25,
                       truncate_label=22, margin_bottom=30, margin_right=150, disable_xml_declaration=False)
    chart.x_labels = [label for label, _v in points]
    chart.add(_("Score"), [value for _l, value in points])
    return chart.render()


def star_distribution(counts: dict[int, int], title: str) -> bytes:
    chart = pygal.Bar(style=STYLE, js=[], width=800, height=280, title=title, show_legend=False, print_values=True,
                      disable_xml_declaration=False)
    chart.x_labels = [_("%(n)s stars", n=n) for n in counts]
    chart.add(_("Ratings"), list(counts.values()))
    return chart.render()


def department_items(averages: dict[str, object], labels: dict[str, str], title: str) -> bytes:
    chart = pygal.HorizontalBar(style=STYLE, js=[], width=800, height=240, title=title, show_legend=False,
                                range=(0, 5), print_values=True, value_formatter=lambda v: f"{v:.2f}",
                                disable_xml_declaration=False)
    chart.x_labels = [str(labels[key]) for key in averages]
    chart.add(_("Average (1–5)"), [float(v) if v is not None else None for v in averages.values()])
    return chart.render()
