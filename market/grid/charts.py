"""The rates page's chart (pygal SVG served as an image, like the other charts)."""
import pygal

from market.grid.rates import LABELS, RATES
from market.money.charts import STYLE

SHOWN = 12  # the best rows of the ranking drawn; the table lists them all


def rates_chart(rows, title: str) -> bytes:
    """The three rates of the best-ranked rows, side by side, in percent."""
    shown = rows[:SHOWN]
    chart = pygal.HorizontalBar(style=STYLE, js=[], width=800, height=120 + 60 * max(1, len(shown)), title=title,
                                range=(0, 100), print_values=True, value_formatter=lambda v: f"{v:.1f}%",
                                truncate_label=16, legend_at_bottom=True, legend_at_bottom_columns=3,
                                disable_xml_declaration=False)
    chart.x_labels = [row.name for row in shown][::-1]  # the best at the top
    for rate in RATES:
        chart.add(str(LABELS[rate]), [getattr(row, rate) for row in shown][::-1])
    return chart.render()
