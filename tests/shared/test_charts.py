"""The charts of the dashboards and reports."""

from __future__ import annotations

import re

from shared.web.charts import bar_chart, column_chart

LONG = "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Jepara"


def test_bar_labels_are_page_text_whole_in_their_tooltip():
    """Labels are HTML text at the page's size (never scaled down with a drawing); one too
    long for its column is cut by the stylesheet, and its tooltip holds it whole."""
    html = str(bar_chart([(LONG, 2), ("Dinas Kesehatan", 1)], title="Proposals by unit"))
    labels = re.findall(r'<span class="bar-label" title="([^"]*)">([^<]*)</span>', html)
    assert labels == [(LONG, LONG), ("Dinas Kesehatan", "Dinas Kesehatan")]
    assert 'aria-label="Proposals by unit"' in html


def test_bars_are_proportional_to_their_values_with_the_value_printed():
    html = str(bar_chart([("Draf", 4), ("Setengah", 600), ("Diajukan", 0), ("Besar", 1200)]))
    widths = [float(w) for w in re.findall(r'<rect width="([\d.]+)"', html)]
    assert widths == [0.5, 50.0, 0.0, 100.0]  # a small non-zero value still shows a sliver
    values = re.findall(r'<span class="bar-value">([^<]*)</span>', html)
    assert values == ["4", "600", "0", "1.200"]


def test_a_column_chart_is_drawn_at_its_own_size_not_stretched_to_the_page():
    svg = str(column_chart([("1 Nov", 3), ("2 Nov", 5)]))
    size = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert size is not None
    assert f'width="{size.group(1)}" height="{size.group(2)}"' in svg


def test_no_data_draws_no_chart():
    assert str(bar_chart([])) == "" and str(column_chart([])) == ""
