"""Incubator dashboard charts (pygal SVG served as images, like the money charts)."""
import pygal
from flask_babel import gettext as _

from market.money.charts import STYLE


def capacity_over_time(series, title: str) -> bytes:
    """Each organization's mean capacity (1–5) at each assessment, on a time axis."""
    chart = pygal.DateLine(style=STYLE, js=[], width=800, height=380, title=title, range=(1, 5),
                           legend_at_bottom=True, truncate_legend=16, x_value_formatter=lambda d: d.isoformat(),
                           value_formatter=lambda v: f"{v:.2f}", truncate_label=-1, x_label_rotation=30,
                           show_minor_x_labels=False, x_labels_major_count=6, disable_xml_declaration=False)
    for name, points in series[:12]:
        chart.add(name, [(day, float(mean)) for day, mean in points])
    return chart.render()


def growth_milestones(rows, title: str) -> bytes:
    """How many of the incubator's organizations reached each milestone."""
    chart = pygal.Bar(style=STYLE, js=[], width=800, height=280, title=title, show_legend=False, print_values=True,
                      disable_xml_declaration=False)
    reached = [sum(1 for r in rows if r.first_contract), sum(1 for r in rows if r.grade),
               sum(1 for r in rows if r.grants), sum(1 for r in rows if r.incubation.status == "graduated")]
    chart.x_labels = [_("First contract won"), _("Grade in force"), _("Grant won"), _("Graduated")]
    chart.add(_("Organizations"), reached)
    return chart.render()
