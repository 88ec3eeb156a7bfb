"""The ranking engine: admins' rules decide urgency (escalate only) and score (additive)."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sm2_core.domain.entities import RankingRule
from sm2_core.domain.enums import Urgency
from sm2_core.errors import InvalidInput
from sm2_core.ranking import JobDraft, Ranking, rank, rule_matches

AUDI_QUEBEC = UUID("00000000-0000-4000-8000-0000000000a1")
FORD_LEVIS = UUID("00000000-0000-4000-8000-0000000000f1")

ENGINE_AT_AUDI = RankingRule(
    id=uuid4(),
    description="All engine repairs from Audi Québec are critical",
    dealership_id=AUDI_QUEBEC,
    service_code="ENGINE_REPAIR",
    target_urgency=Urgency.CRITICAL,
    ranking_score=15,
)
KEYS_ARE_URGENT = RankingRule(
    id=uuid4(),
    description="Key programming is urgent",
    service_code="KEY_PROGRAMMING",
    target_urgency=Urgency.HIGH,
    ranking_score=10,
)
TESLA_EARLY = RankingRule(id=uuid4(), description="Tesla early", make="Tesla", ranking_score=3)
DEMO_RULES = (ENGINE_AT_AUDI, KEYS_ARE_URGENT, TESLA_EARLY)


def draft(
    dealership: UUID | None = AUDI_QUEBEC,
    service: str | None = "ENGINE_REPAIR",
    make: str | None = "Audi",
    base: Urgency = Urgency.MEDIUM,
) -> JobDraft:
    return JobDraft(dealership_id=dealership, service_code=service, make=make, base_urgency=base)


class TestSpecExamples:
    def test_engine_repair_from_audi_quebec_is_critical_plus_15(self) -> None:
        """The spec's example: all engine repairs from Audi Québec → CRITICAL, +15."""
        assert Ranking(Urgency.CRITICAL, 15, (ENGINE_AT_AUDI.description,)) == rank(
            draft(), DEMO_RULES
        )

    def test_engine_repair_elsewhere_is_not_touched(self) -> None:
        """The same work from another dealership keeps its urgency and score."""
        assert Ranking(Urgency.MEDIUM, 0, ()) == rank(draft(dealership=FORD_LEVIS), DEMO_RULES)

    def test_other_work_at_audi_quebec_is_not_touched(self) -> None:
        """A rule needs all its criteria: Audi Québec's oil change is not an engine repair."""
        assert Ranking(Urgency.MEDIUM, 0, ()) == rank(draft(service="OIL_CHANGE"), DEMO_RULES)

    def test_rule_without_target_only_adds_score(self) -> None:
        """A rule with no target urgency adds its score and leaves urgency alone."""
        ranking = rank(draft(dealership=FORD_LEVIS, service="PDI", make="tesla"), DEMO_RULES)
        assert Ranking(Urgency.MEDIUM, 3, ("Tesla early",)) == ranking

    def test_rules_never_lower_urgency(self) -> None:
        """A HIGH rule on a CRITICAL request leaves it CRITICAL, and still adds its score."""
        ranking = rank(draft(service="KEY_PROGRAMMING", base=Urgency.CRITICAL), DEMO_RULES)
        assert (Urgency.CRITICAL, 10) == (ranking.urgency, ranking.score)

    def test_several_matching_rules_add_up(self) -> None:
        """Key programming on a Tesla gets both rules: HIGH, 10 + 3, most urgent rule first."""
        ranking = rank(draft(service="KEY_PROGRAMMING", make="Tesla"), DEMO_RULES)
        expected = Ranking(Urgency.HIGH, 13, (KEYS_ARE_URGENT.description, "Tesla early"))
        assert expected == ranking

    def test_make_matches_regardless_of_case_and_spaces(self) -> None:
        """Makes typed " TESLA " or "tesla" match a rule written "Tesla"."""
        assert [True, True, False] == [
            rule_matches(TESLA_EARLY, draft(make=m)) for m in (" TESLA ", "tesla", "Teslas")
        ]

    def test_make_rule_does_not_match_an_unknown_make(self) -> None:
        """A job whose make is unknown is not matched by a make rule."""
        assert not rule_matches(TESLA_EARLY, draft(make=None))

    def test_inactive_rule_is_ignored(self) -> None:
        """Deactivating a rule is enough to stop it applying."""
        inactive = RankingRule(
            id=uuid4(), description="off", make="Audi", target_urgency=Urgency.CRITICAL,
            ranking_score=50, is_active=False,
        )  # fmt: skip
        assert Ranking(Urgency.MEDIUM, 0, ()) == rank(draft(service="PDI"), [inactive])


class TestRuleValidation:
    def test_rule_needs_a_criterion(self) -> None:
        """A rule that would match every job is refused."""
        with pytest.raises(InvalidInput) as caught:
            RankingRule(id=uuid4(), description="everything", ranking_score=5)
        assert "dealership_id" in caught.value.fields

    def test_rule_needs_a_description(self) -> None:
        """Every rule says in words why it exists."""
        with pytest.raises(InvalidInput) as caught:
            RankingRule(id=uuid4(), description="  ", make="Audi")
        assert "description" in caught.value.fields


# --- properties -------------------------------------------------------------------------------

DEALERS = [AUDI_QUEBEC, FORD_LEVIS, UUID("00000000-0000-4000-8000-0000000000c1")]
CODES = ["ENGINE_REPAIR", "OIL_CHANGE", "KEY_PROGRAMMING"]
MAKES = ["Audi", "audi", "AUDI", "Ford", "Tesla"]
urgencies = st.sampled_from(list(Urgency))


@st.composite
def rules(draw: st.DrawFn) -> RankingRule:
    criteria = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "dealership_id": st.sampled_from(DEALERS),
                "service_code": st.sampled_from(CODES),
                "make": st.sampled_from(MAKES),
            },
        ).filter(bool)
    )
    return RankingRule(
        id=draw(st.uuids()),
        description=draw(st.sampled_from(["a", "b", "c", "same"])),
        target_urgency=draw(st.none() | urgencies),
        ranking_score=draw(st.integers(min_value=-20, max_value=50)),
        is_active=draw(st.booleans()),
        **criteria,
    )


drafts = st.builds(
    JobDraft,
    dealership_id=st.none() | st.sampled_from(DEALERS),
    service_code=st.none() | st.sampled_from(CODES),
    make=st.none() | st.sampled_from(MAKES),
    base_urgency=urgencies,
)
rule_lists = st.lists(rules(), max_size=8)


def matches(rule: RankingRule, d: JobDraft) -> bool:
    """The rule's meaning, written independently of the engine: every set criterion holds."""
    return (
        rule.is_active
        and rule.dealership_id in (None, d.dealership_id)
        and rule.service_code in (None, d.service_code)
        and (rule.make is None or (d.make or "").lower() == rule.make.lower())
    )


class TestRankingProperties:
    @given(drafts, rule_lists)
    def test_urgency_is_the_max_of_base_and_matching_targets(
        self, d: JobDraft, rs: list[RankingRule]
    ) -> None:
        """Escalate only: the result is the highest of the base and every matching target."""
        targets = [r.target_urgency for r in rs if matches(r, d) and r.target_urgency]
        ranking = rank(d, rs)
        assert max([d.base_urgency, *targets]) == ranking.urgency
        assert ranking.urgency >= d.base_urgency

    @given(drafts, rule_lists)
    def test_score_is_the_sum_of_matching_scores(self, d: JobDraft, rs: list[RankingRule]) -> None:
        """Scores add: the score is the sum over the matching rules, and only those."""
        ranking = rank(d, rs)
        matching = [r for r in rs if matches(r, d)]
        assert sum(r.ranking_score for r in matching) == ranking.score
        assert sorted(r.description for r in matching) == sorted(ranking.applied)

    @given(drafts, rule_lists.flatmap(lambda rs: st.tuples(st.just(rs), st.permutations(rs))))
    def test_rule_order_does_not_matter(
        self, d: JobDraft, pair: tuple[list[RankingRule], list[RankingRule]]
    ) -> None:
        """Any permutation of the rules gives the same Ranking, applied list included."""
        rs, shuffled = pair
        assert rank(d, rs) == rank(d, shuffled)

    @given(drafts, rule_lists)
    def test_inactive_rules_are_ignored(self, d: JobDraft, rs: list[RankingRule]) -> None:
        """Removing the inactive rules changes nothing."""
        assert rank(d, [r for r in rs if r.is_active]) == rank(d, rs)

    @given(drafts, rule_lists)
    def test_deterministic(self, d: JobDraft, rs: list[RankingRule]) -> None:
        """The same draft and rules always give the same Ranking."""
        assert rank(d, rs) == rank(d, tuple(rs))

    @given(drafts)
    def test_no_rules_keep_the_base(self, d: JobDraft) -> None:
        """Without rules a draft keeps its own urgency, with no score."""
        assert Ranking(d.base_urgency, 0, ()) == rank(d, [])
