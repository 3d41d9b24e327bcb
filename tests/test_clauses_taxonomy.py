"""The taxonomy data file: required ids, complete analysis blocks, disclaimer."""

from __future__ import annotations

import pytest

from monitor.clauses import load_taxonomy
from monitor.clauses.taxonomy import parse_taxonomy
from monitor.errors import ConfigError

REQUIRED = [
    "concurrency_limit",
    "rate_limit",
    "credit_expiry",
    "refunds",
    "auto_renewal",
    "price_change",
    "failed_job_billing",
    "fund_hold",
    "ai_training_on_user_content",
    "output_ownership",
    "license_to_platform",
    "output_non_compete",
    "public_by_default",
    "voice_likeness_biometrics",
    "acceptable_use",
    "arbitration",
    "class_action_waiver",
    "jury_trial_waiver",
    "unilateral_change",
    "content_removal",
    "unilateral_termination",
    "jurisdiction",
    "choice_of_law",
    "limitation_of_liability",
    "indemnification",
    "warranty_disclaimer",
    "contract_by_using",
    "privacy_policy_by_reference",
    "data_retention",
    "age_eligibility",
]


def test_required_ids_present() -> None:
    tax = load_taxonomy()
    missing = [i for i in REQUIRED if tax.get(i) is None]
    assert not missing
    assert len(tax.ids) >= 30


def test_analysis_blocks_non_empty() -> None:
    tax = load_taxonomy()
    assert "not a legal determination" in tax.disclaimer
    assert "legal advice" in tax.disclaimer
    for cat in tax.categories.values():
        a = cat.analysis
        for text in (
            a.summary,
            a.who_is_affected,
            a.regulatory_landscape,
            a.contract_implications,
            a.compliance_considerations,
            a.governance_exposure_reason,
            cat.recognition,
            cat.title,
            cat.description,
        ):
            assert text.strip(), cat.id
        assert a.governance_exposure_level in ("Low", "Medium", "High")
        assert a.jurisdiction_flags
        assert cat.group in ("commercial", "ai_content", "legal", "privacy")
        assert cat.default_exposure in ("low", "medium", "high")


def test_every_rule_category_is_in_taxonomy() -> None:
    from monitor.clauses.model import CLAUDETTE_CODES
    from monitor.clauses.rules import RULES

    tax = load_taxonomy()
    for rule in RULES:
        assert rule.category in tax, rule.id
    for cat in CLAUDETTE_CODES.values():
        assert cat in tax


def test_invalid_taxonomy_names_key() -> None:
    with pytest.raises(ConfigError, match="disclaimer"):
        parse_taxonomy({"categories": []})
    with pytest.raises(ConfigError, match="group"):
        parse_taxonomy({"disclaimer": "d", "categories": [{"id": "x", "group": "other"}]})


def test_cached() -> None:
    assert load_taxonomy() is load_taxonomy()
