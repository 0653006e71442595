"""The outcome chart: needs posted and needs answered each month, drawn by pygal like the money's."""
import pygal
from flask_babel import gettext as _

from market.money.charts import STYLE


def posted_and_answered(months: list[tuple[str, int, int]], title: str) -> bytes:
    chart = pygal.Bar(style=STYLE, js=[], width=800, height=360, show_legend=True, legend_at_bottom=True,
                      title=title, print_values=False, x_label_rotation=30, disable_xml_declaration=False)
    chart.x_labels = [month for month, _posted, _answered in months]
    chart.add(_("Needs posted"), [posted for _month, posted, _answered in months])
    chart.add(_("Needs answered"), [answered for _month, _posted, answered in months])
    return chart.render()
