"""Clause commands and provision views: taxonomy, classify, clauses, compare, golden provisions."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.capture.declarations import SourceDocument
from monitor.capture.extract import extract_version
from monitor.clauses import extract_provisions
from monitor.cli import main
from monitor.errors import ExcerptMismatch
from monitor.publish.provisions import verified_excerpt

GOLDEN = Path(__file__).parent / "golden" / "provisions"
CLAUDETTE_IDS = {
    "arbitration",
    "unilateral_change",
    "content_removal",
    "jurisdiction",
    "choice_of_law",
    "limitation_of_liability",
    "unilateral_termination",
    "contract_by_using",
}


def test_taxonomy_json_has_every_required_category() -> None:
    result = CliRunner().invoke(main, ["taxonomy", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    ids = {c["id"] for c in data["categories"]}
    assert len(ids) >= 30
    assert (
        CLAUDETTE_IDS | {"concurrency_limit", "credit_expiry", "ai_training_on_user_content"} <= ids
    )
    assert "legal" in data["disclaimer"].lower()


def test_classify_json_one_object_per_line_with_negations() -> None:
    lines = [
        "We may use your content to train our models unless you opt out in Settings.",
        "We will not train our models on your content.",
        "Credits never expire.",
        "Any dispute shall be resolved by binding arbitration administered by JAMS.",
        "",
    ]
    result = CliRunner().invoke(main, ["classify", "--json", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(lines)
    first, never, credits, arbitration, empty = records
    assert {"categories", "facts", "explanation"} <= set(first)
    training = [c for c in first["categories"] if c["id"] == "ai_training_on_user_content"]
    assert training and training[0]["unfair"] and 0 < training[0]["confidence"] <= 1
    assert not any(c["unfair"] for c in never["categories"])
    assert any(f["value"] == "never" for f in never["facts"])
    assert not any(c["unfair"] for c in credits["categories"])
    assert any(c["id"] == "arbitration" for c in arbitration["categories"])
    assert any(
        f["name"] == "arbitration_body" and f["value"] == "JAMS" for f in arbitration["facts"]
    )
    assert empty["categories"] == []


def test_excerpt_verification_refuses_tampering() -> None:
    text = "Credits expire after 30 days."
    import hashlib

    sha = hashlib.sha256(text.encode()).hexdigest()
    assert verified_excerpt(text, sha, 0, 7).text == "Credits"
    with pytest.raises(ExcerptMismatch):
        verified_excerpt(text + " ", sha, 0, 7)  # the text is not the version it claims
    with pytest.raises(ExcerptMismatch):
        verified_excerpt(text, sha, 0, 999)  # offsets outside the version


DEMO_PAGES = [
    "framecast_terms_v1.html",
    "framecast_privacy.html",
    "parley_terms.html",
    "parley_usage_policy.html",
    "tillpoint_terms.html",
]


def provision_summary(page: str) -> dict[str, list[str]]:
    raw = resources.files("monitor.demo").joinpath("pages", page).read_bytes()
    source = SourceDocument(
        fetch="http://demo.example/",
        select=["main#terms, article.legal"],
        remove=["nav", "footer", ".cookie-banner"],
    )
    markdown = extract_version(raw, "text/html", source, "http://demo.example/").markdown
    found: dict[str, set[str]] = {}
    for cc in extract_provisions(markdown, "Terms of Service"):
        for cls in cc.categories:
            facts = found.setdefault(cls.category, set())
            facts.update(f"{f.name}={f.value}" for f in cc.facts)
    return {k: sorted(v) for k, v in sorted(found.items())}


@pytest.mark.parametrize("page", DEMO_PAGES)
def test_golden_provisions_of_demo_providers(page: str) -> None:
    """The categories and facts found in each demo document; UPDATE_GOLDEN=1 rewrites them."""
    golden = GOLDEN / (page.removesuffix(".html") + ".json")
    actual = provision_summary(page)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(golden.read_text())


def test_demo_terms_carry_the_provisions_users_pay_for() -> None:
    found = provision_summary("framecast_terms_v1.html")
    assert "concurrency_limit" in found and "credit_expiry" in found
    assert "credit_validity=90.0" in found["credit_expiry"]
    assert {"arbitration", "class_action_waiver", "limitation_of_liability"} <= set(found)
