"""HTML pieces of the public pages that are the same for many answers, made once."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape


@lru_cache(maxsize=64)
def _unselected(choices: tuple[tuple[str, str], ...]) -> str:
    return "".join(f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in choices)


def option_tags(choices: Iterable[Any], selected: Any = None) -> Markup:
    """``<option>`` tags for ``(value, label)`` pairs (or values that are their own label), the
    one whose value is ``selected`` marked so.  The tags of a list of choices are made once (a
    filter form lists 38 provinces) and only the selected one is changed per page."""
    pairs = tuple(
        (str(c[0]), str(c[1])) if isinstance(c, tuple) else (str(c), str(c)) for c in choices
    )
    html = _unselected(pairs)
    if selected is not None and selected != "":
        tag = f'<option value="{escape(str(selected))}">'
        html = html.replace(tag, f"{tag[:-1]} selected>", 1)
    return Markup(html)
