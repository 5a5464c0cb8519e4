"""Building judging scenarios for tests: a competition with judging set up, tenants,
screened proposals, judges on panels, scores."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from central.judging import assignment, scoring, stages
from central.judging.models import Assignment, AssignmentStatus, JudgingStage
from shared.db import db
from shared.models import Competition, Proposal, ProposalStatus, Role, ScreeningResult, User
from shared.models.tenant import TenantKind

_codes = itertools.count(1)


def js(stage_id: int) -> JudgingStage:
    found = stages.for_stage(stage_id)
    assert found is not None
    return found


def user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    assert found is not None
    return found


def proposal(proposal_id: int) -> Proposal:
    found = db.session.get(Proposal, proposal_id)
    assert found is not None
    return found


class World:
    """A competition with judging set up; methods commit through the factory."""

    def __init__(self, factory: Any) -> None:
        self.f = factory
        comp = factory.competition()
        self.competition_id = comp.id

        def _setup() -> dict[str, int]:
            competition = db.session.get(Competition, comp.id)
            return {
                j.stage.code: j.stage_id for j in stages.setup_competition(competition, actor=None)
            }

        self.stage_ids: dict[str, int] = factory.run(_setup)
        self.staff = factory.user(Role.SECRETARIAT, full_name="Sekretariat Uji")

    # -- running code in the app ---------------------------------------------------------------

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.f.run(fn, *args, **kwargs)

    def sid(self, code: str) -> int:
        return self.stage_ids[code]

    def settings(self, code: str, **values: Any) -> None:
        self.run(
            lambda: stages.update_settings(js(self.sid(code)), actor=user(self.staff.id), **values)
        )

    def starts(self, code: str, at: datetime) -> None:
        """Date a stage from ``at`` (a week long, published when it ends), whatever today is."""
        self.settings(
            code, starts_at=at, ends_at=at + timedelta(days=7), publish_at=at + timedelta(days=7)
        )

    # -- people and proposals ------------------------------------------------------------------

    def tenant(self, *, province: str = "33", kind: TenantKind = TenantKind.KABUPATEN, **kw: Any):
        n = next(_codes)
        code = kw.pop("code", f"{province}.{n:02d}" if kind != TenantKind.PROVINSI else province)
        return self.f.tenant(
            code=code,
            kind=kind,
            province_code=province if kind != TenantKind.PROVINSI else None,
            **kw,
        )

    def proposals(self, tenant: Any, n: int = 1, **kw: Any) -> list[Proposal]:
        return [
            self.f.proposal(
                tenant,
                status=ProposalStatus.SUBMITTED,
                screening_result=ScreeningResult.PASSED,
                **kw,
            )
            for _ in range(n)
        ]

    def judges(self, code: str | Sequence[str], n: int, role: Role = Role.EVALUATOR) -> list[User]:
        codes = [code] if isinstance(code, str) else list(code)
        people = [self.f.user(role) for _ in range(n)]
        for c in codes:
            for person in people:
                self.run(
                    lambda p=person, c=c: assignment.add_panel_member(
                        js(self.sid(c)), user(p.id), actor=user(self.staff.id)
                    )
                )
        return people

    def affiliate(self, person: User, tenant: Any) -> None:
        from central.judging import conflicts
        from shared.models import Tenant

        self.run(
            lambda: conflicts.add_affiliation(
                user(person.id), db.session.get(Tenant, tenant.id), actor=user(self.staff.id)
            )
        )

    # -- stage work ----------------------------------------------------------------------------

    # The world runs the stages back to back whatever today's date, so it confirms taking
    # proposals into a stage before its (calendar) start date; tests of that check call the
    # services or pages themselves.

    def open(self, code: str = "desk_evaluation") -> int:
        return self.run(
            lambda: stages.open_entries(
                js(self.sid(code)), actor=user(self.staff.id), before_start=True
            )
        )

    def assign(self, code: str = "desk_evaluation") -> assignment.AssignResult:
        return self.run(lambda: assignment.run_auto(js(self.sid(code)), actor=user(self.staff.id)))

    def assignments(
        self, code: str, *, proposal_id: int | None = None, judge_id: int | None = None
    ) -> list[Assignment]:
        def _load() -> list[Assignment]:
            stmt = sa.select(Assignment).where(
                Assignment.stage_id == self.sid(code), Assignment.status == AssignmentStatus.ACTIVE
            )
            if proposal_id is not None:
                stmt = stmt.where(Assignment.proposal_id == proposal_id)
            if judge_id is not None:
                stmt = stmt.where(Assignment.judge_id == judge_id)
            rows = list(db.session.execute(stmt.order_by(Assignment.id)).scalars())
            db.session.expunge_all()
            return rows

        return self.run(_load)

    def score(
        self,
        code: str,
        assignment_id: int,
        value: float | dict[str, float],
        *,
        submit: bool = True,
        note: str = "Alasan penilaian yang cukup panjang.",
    ) -> None:
        def _score() -> None:
            item = db.session.get(Assignment, assignment_id)
            stage = js(self.sid(code))
            codes = [c.code for c in stage.rubric.criteria]
            values = value if isinstance(value, dict) else dict.fromkeys(codes, value)
            scoring.save(
                stage,
                item,
                values={k: str(v) for k, v in values.items()},
                justifications=dict.fromkeys(codes, note),
                submit=submit,
                actor=user(item.judge_id),
            )

        self.run(_score)

    def score_all(self, code: str, value_for: Callable[[Assignment], float]) -> None:
        for item in self.assignments(code):
            self.score(code, item.id, value_for(item))

    def promote(self, code: str) -> stages.PromotionCheck:
        return self.run(
            lambda: stages.promote(js(self.sid(code)), actor=user(self.staff.id), before_start=True)
        )

    def shortlist(self, code: str) -> None:
        from central.judging import shortlist

        self.run(lambda: shortlist.generate(js(self.sid(code)), actor=user(self.staff.id)))

    def to_objection_period(self, tenants: Sequence[Any], per_tenant: int = 1) -> list[Proposal]:
        """Proposals of the tenants scored through desk and panel, listed as finalists, with
        the objection window open now; 3 evaluators and 3 panelists on the panels."""
        from datetime import timedelta

        from shared.db import utcnow

        props = [p for t in tenants for p in self.proposals(t, per_tenant)]
        self.settings("desk_evaluation", passing_grade=None)
        self.settings("panel_nomination", shortlist_size=1000, composition_rules=[])
        self.evaluators = self.judges(["desk_evaluation", "field_verification"], 3)
        self.panelists = self.judges(
            ["panel_nomination", "presentation", "field_verification", "final"], 3, Role.PANELIST
        )
        self.open()
        for code in ("desk_evaluation", "panel_nomination"):
            if code != "desk_evaluation":
                self.assign(code)
            else:
                self.assign()
            self.score_all(code, lambda a: 70 + a.proposal_id % 7)
            if code == "panel_nomination":
                self.shortlist(code)
            self.promote(code)
        now = utcnow()
        self.settings(  # the Top 99 list is public: objections may start
            "top99",
            starts_at=now - timedelta(days=4),
            ends_at=now - timedelta(days=2),
            publish_at=now - timedelta(days=2),
        )
        self.promote("top99")
        self.settings(
            "objection", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=2)
        )
        return props

    def close_objections(self) -> None:
        from datetime import timedelta

        from shared.db import utcnow

        now = utcnow()
        self.settings(
            "objection", starts_at=now - timedelta(days=3), ends_at=now - timedelta(minutes=1)
        )


__all__ = ["World", "date", "js", "proposal", "user"]


class Scenario:
    """A competition judged up to its final stage (not promoted), with one proposal ``p`` that
    went all the way and has something in every judging table, and two judges (an evaluator
    and a panelist) affiliated with its agency who sit on every panel."""

    def __init__(self, world: World) -> None:
        from datetime import timedelta

        from central.judging import consolidation, materials, objections, schedule
        from central.judging.materials import Upload
        from central.judging.models import Objection
        from central.judging.schedule import ScheduleSettings
        from shared.db import utcnow
        from shared.tenancy import tenant_scope

        w = self.world = world
        home = w.tenant(province="61", name="Kabupaten Konflik")
        others = [w.tenant(province=str(70 + i)) for i in range(3)]
        (self.p,) = w.proposals(home, 1, title="Inovasi Rahasia Konflik")
        self.attachment_id = w.f.attachment(self.p, kind="decree").id
        all_stages = list(w.stage_ids)[1:]
        self.evaluator = w.judges(all_stages[:1] + ["field_verification"], 1)[0]
        self.panelist = w.judges(
            [s for s in all_stages if s != "desk_evaluation"], 1, Role.PANELIST
        )[0]
        w.affiliate(self.evaluator, home)
        w.affiliate(self.panelist, home)
        w.to_objection_period(others)

        def object_to_p() -> int:
            target = proposal(self.p.id)
            with tenant_scope(()):
                return objections.file(
                    js(w.sid("objection")),
                    target,
                    name="Warga",
                    email="warga@example.org",
                    reason="Sanggahan atas inovasi ini karena data tidak sesuai.",
                    remote_addr="10.1.1.1",
                ).id

        self.objection_id = w.run(object_to_p)
        w.run(
            lambda: objections.decide(
                db.session.get(Objection, self.objection_id),
                uphold=False,
                reason="Tidak terbukti setelah diperiksa.",
                actor=user(w.staff.id),
            )
        )
        w.close_objections()
        w.promote("objection")
        w.assign("presentation")
        first_day = (utcnow() + timedelta(days=14)).date()
        w.run(
            lambda: schedule.generate(
                js(w.sid("presentation")),
                ScheduleSettings(first_day=first_day),
                actor=user(w.staff.id),
            )
        )
        w.run(
            lambda: materials.save(
                proposal(self.p.id),
                actor=user(w.staff.id),
                video_url="https://video.example.org/konflik",
                slides=Upload(b"%PDF-1.4 slides", "slides.pdf"),
                summary=Upload(b"%PDF-1.4 summary", "ringkasan.pdf"),
            )
        )
        w.score_all("presentation", lambda a: 70 + a.proposal_id % 9)
        w.run(
            lambda: consolidation.post(
                js(w.sid("presentation")),
                proposal(self.p.id),
                body="Catatan pleno.",
                author=user(w.staff.id),
            )
        )
        w.promote("presentation")
        for p_id in self.finalist_ids():
            for person in (w.evaluators[0], w.panelists[0]):
                w.run(lambda p_id=p_id, person=person: _visit(w, person, p_id))
        w.promote("field_verification")
        w.settings("final", shortlist_size=2, composition_rules=[])
        w.shortlist("final")

    def finalist_ids(self, code: str = "field_verification") -> list[int]:
        from central.judging.models import EntryStatus

        return self.world.run(
            lambda: [
                e.proposal_id for e in stages.entries(js(self.world.sid(code)), EntryStatus.ACTIVE)
            ]
        )


def _visit(w: World, person: User, proposal_id: int) -> None:
    from central.judging import verification

    verification.save_note(
        js(w.sid("field_verification")),
        proposal(proposal_id),
        author=user(person.id),
        visited_on=date(2026, 11, 25),
        notes="Kunjungan lapangan: layanan berjalan sesuai proposal.",
        findings="",
        outcome="confirmed",
    )
