"""The inline SVG charts of the dashboards and reports."""

from __future__ import annotations

import re

from shared.web.charts import bar_chart, column_chart

LONG = "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Jepara"


def test_a_long_bar_label_is_shortened_and_shown_whole_in_its_tooltip():
    svg = str(bar_chart([(LONG, 2), ("Dinas Kesehatan", 1)], title="Proposals by unit"))
    shown = re.findall(r"<title>[^<]*</title>([^<]*)</text>", svg)
    assert shown[0].endswith("…") and LONG.startswith(shown[0][:-1])
    assert shown[1] == "Dinas Kesehatan"  # a label that fits is left as it is
    assert f"<title>{LONG}</title>" in svg


def test_charts_are_drawn_at_their_own_size_not_stretched_to_the_page():
    for svg in (bar_chart([("a", 1)]), column_chart([("1 Nov", 3), ("2 Nov", 5)])):
        width = re.search(r'viewBox="0 0 (\d+) (\d+)"', str(svg))
        assert width is not None
        assert f'width="{width.group(1)}" height="{width.group(2)}"' in str(svg)


def test_labels_that_fit_their_column_are_never_shortened():
    labels = ["Draf", "Dikirim ke admin", "Replikasi (0/5)"]
    svg = str(bar_chart([(label, 1) for label in labels]))
    assert re.findall(r"<title>[^<]*</title>([^<]*)</text>", svg) == labels
