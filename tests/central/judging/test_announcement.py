"""Promoting the final stage prepares the announcement: the winners show on the public results
and in the public catalogue once the final stage's publish time has come, and not before."""

from __future__ import annotations

import sqlalchemy as sa

from shared.db import db
from shared.models import Proposal
from tests import announce_factories as af
from tests.central.judging.support import Scenario, World
from tests.conftest import login


def test_winners_are_public_after_promotion_once_the_final_stage_is_published(
    client, factory
) -> None:
    scenario = Scenario(World(factory))
    w = scenario.world
    year = factory.competition().year
    af.set_publish(factory, w.competition_id, top99=af.future(days=2), final=af.future(days=40))

    login(client, w.staff.username)
    response = client.post(f"/judging/stages/{w.sid('final')}/promote", data={"confirm": "yes"})
    assert response.status_code == 302
    client.post("/logout")
    winners = w.run(
        lambda: list(
            db.session.execute(
                sa.select(Proposal.uuid, Proposal.title).where(
                    Proposal.competition_id == w.competition_id, Proposal.award.is_not(None)
                )
            )
        )
    )
    assert winners  # the final stage gave its awards

    def public_pages() -> tuple[str, str]:
        top = client.get(f"/results/top?year={year}").get_data(as_text=True)
        catalogue = client.get(f"/catalogue?year={year}").get_data(as_text=True)
        return top.split("</h1>", 1)[1], catalogue

    top, catalogue = public_pages()
    for uuid, title in winners:
        assert title not in top and title not in catalogue
        assert client.get(f"/catalogue/{uuid}").status_code == 404

    af.set_publish(factory, w.competition_id, top99=af.past(), final=af.past())
    top, catalogue = public_pages()
    for uuid, title in winners:
        assert title in top and title in catalogue
        entry = client.get(f"/catalogue/{uuid}")
        assert entry.status_code == 200 and title in entry.get_data(as_text=True)
