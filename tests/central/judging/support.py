"""Building judging scenarios for tests: a competition with judging set up, tenants,
screened proposals, judges on panels, scores."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date
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

    def open(self, code: str = "desk_evaluation") -> int:
        return self.run(lambda: stages.open_entries(js(self.sid(code)), actor=user(self.staff.id)))

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
        return self.run(lambda: stages.promote(js(self.sid(code)), actor=user(self.staff.id)))


__all__ = ["World", "date", "js", "proposal", "user"]
