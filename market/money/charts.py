"""Charts drawn by pygal (from PyPI) as SVG, served as images so the page's strict CSP holds."""
import sys

import pygal
from flask import Response
from flask_babel import gettext as _
from pygal.style import Style

# pygal puts a legacy import hook for its map plugins (unused here) on sys.meta_path, which makes
# every failed import anywhere warn on Python 3.11; take it off again.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

# Twelve colours told apart by eye and in print (after Okabe and Ito): pygal darkens the list's colours
# for series beyond it, which turned the incubator chart's later organizations near-black.
PALETTE = ("#1d6fa5", "#2e9e5b", "#e0a526", "#d55e00", "#cc79a7", "#56b4e9", "#8c564b", "#7f7f7f", "#17becf",
           "#9467bd", "#bcbd22", "#b3261e")
STYLE = Style(background="white", plot_background="white", foreground="#333", foreground_strong="#111",
              foreground_subtle="#666", colors=PALETTE, font_family="sans-serif", label_font_size=13,
              major_label_font_size=13, legend_font_size=14, title_font_size=18, value_font_size=13)


def contracted_and_paid(rows: list[tuple[str, int, object]], title: str) -> bytes:
    """A horizontal bar chart of the price contracted and the amount paid per group, in yuan."""
    chart = pygal.HorizontalBar(
        style=STYLE,
        js=[],
        width=800,
        height=max(240, 60 + 40 * len(rows)),
        show_legend=True,
        legend_at_bottom=True,
        title=title,
        print_values=False,
        value_formatter=lambda v: f"¥{v:,.0f}",
        truncate_label=24,
        disable_xml_declaration=False,
    )
    top = rows[:15]
    chart.x_labels = [name for name, _id, _t in top]
    chart.add(_("Contracted"), [t.price_fen // 100 for _n, _i, t in top])
    chart.add(_("Paid"), [t.paid_fen // 100 for _n, _i, t in top])
    return chart.render()


def svg_response(svg: bytes) -> Response:
    response = Response(svg, mimetype="image/svg+xml")
    # Shown as an <img>: scripts never run there; the SVG's own styles need this much.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
