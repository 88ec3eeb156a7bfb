"""The ranking engine: admin rules decide how urgent a new job is and where it sorts.

Pure: ``rank(draft, rules)`` returns a decision; the caller persists it.
Urgency only escalates (the maximum of the base and every matching target), scores add,
and the result is the same whatever order the rules come in.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import attrs

from sm2_core.domain.entities import RankingRule
from sm2_core.domain.enums import Urgency


@attrs.frozen
class JobDraft:
    """What ranking looks at: who asked, for what work, on which brand, and how urgently."""

    dealership_id: UUID | None
    service_code: str | None
    make: str | None
    base_urgency: Urgency = Urgency.MEDIUM


@attrs.frozen
class Ranking:
    urgency: Urgency
    score: int
    applied: tuple[str, ...]
    """Descriptions of the matching rules, in a canonical order."""


def _same_make(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def rule_matches(rule: RankingRule, draft: JobDraft) -> bool:
    """Every criterion the rule sets must hold; criteria left open match anything."""
    if not rule.is_active:
        return False
    if rule.dealership_id is not None and rule.dealership_id != draft.dealership_id:
        return False
    if rule.service_code is not None and rule.service_code != draft.service_code:
        return False
    return not rule.make or (draft.make is not None and _same_make(rule.make, draft.make))


def _canonical_key(rule: RankingRule) -> tuple[int, int, str, str]:
    target = rule.target_urgency.rank if rule.target_urgency else -1
    return (-target, -rule.ranking_score, rule.description, str(rule.id))


def rank(draft: JobDraft, rules: Iterable[RankingRule]) -> Ranking:
    matching = sorted((r for r in rules if rule_matches(r, draft)), key=_canonical_key)
    targets = [r.target_urgency for r in matching if r.target_urgency is not None]
    return Ranking(
        urgency=Urgency.highest(draft.base_urgency, *targets),
        score=sum(r.ranking_score for r in matching),
        applied=tuple(r.description for r in matching),
    )
