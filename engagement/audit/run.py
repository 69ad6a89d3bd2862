"""Run the audit on real waves: what the CLI's `audit` command and the tests call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from engagement.audit.collect import case_of
from engagement.audit.model import Finding, Leak, Result, attack
from engagement.authz import Actor
from engagement.i18n import _
from engagement.models import Wave


@dataclass(frozen=True)
class WaveAudit:
    wave_id: int
    number: int
    views: int
    result: Result


def audit_waves(
    session: Session,
    wave_ids: Sequence[int] | None,
    k: int,
    *,
    actor: Actor | None = None,
    progress: Callable[[int, int], None] | None = None,
    seconds_per_solve: float = 20.0,
) -> list[WaveAudit]:
    """Attack every published number of these waves (None: every wave that has opened)."""
    query = select(Wave).order_by(col(Wave.opens_on), col(Wave.id))
    if wave_ids is not None:
        query = query.where(col(Wave.id).in_(list(wave_ids)))
    waves = list(session.exec(query))
    out: list[WaveAudit] = []
    for index, wave in enumerate(waves):
        case = case_of(session, wave, k, actor)
        result = attack(
            case.atoms, case.facts, case.targets, k, seconds_per_solve=seconds_per_solve
        )
        out.append(WaveAudit(int(wave.id or 0), wave.number, case.views, result))
        if progress:
            progress(index + 1, len(waves))
    return out


def finding_text(finding: Finding) -> str:
    """One line saying what the adversary could pin (a cell's label, never a person)."""
    text = _finding_text(finding)
    if finding.undecided:
        return _("{finding} (the solver ran out of time: counted as pinned)").format(finding=text)
    return text


def _finding_text(finding: Finding) -> str:
    dim = finding.dimension or ""
    if finding.leak is Leak.RESPONDENTS:
        return _("{target}: its respondents are pinned to {n}").format(
            target=finding.target, n=finding.value
        )
    if finding.leak is Leak.EXACT:
        return _("{target}: its {dimension} figure is pinned exactly").format(
            target=finding.target, dimension=dim
        )
    if finding.leak is Leak.NONE_FAVORABLE:
        return _("{target} (fewer than k): every {dimension} answer pinned as unfavorable").format(
            target=finding.target, dimension=dim
        )
    return _("{target} (fewer than k): every {dimension} answer pinned as favorable").format(
        target=finding.target, dimension=dim
    )
