"""Page arithmetic shared by the paged lists (tenants, screening, catalogue, open data API)."""

from __future__ import annotations


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill, at least one (an empty list still has a page)."""
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    """The requested page number kept between the first and the last page."""
    return max(1, min(page, page_count(total, per_page)))


class Paged:
    """Mixin for a page of results: what the ``pager`` macro in macros.html reads.

    The class using it provides ``total``, ``page`` and ``per_page`` (usually dataclass fields).
    """

    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
