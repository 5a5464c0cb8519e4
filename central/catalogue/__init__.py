"""The catalogue as its owners keep it: a tenant confirms the status of its published entries."""

from __future__ import annotations

from flask import Flask

from central.catalogue import models  # noqa: F401  (register the models with the metadata)


def init_app(app: Flask) -> None:
    """Register the blueprint (views import the services, which import other features)."""
    from central.catalogue.search_index import listing
    from central.catalogue.views import bp

    app.register_blueprint(bp)
    # Under `sinovik central serve` the master builds the search listing once, before forking:
    # the workers start with it, shared copy-on-write, instead of each reading every entry.
    app.extensions.setdefault("sinovik_warm_up", []).append(listing)
