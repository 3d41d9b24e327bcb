"""Category titles keep the taxonomy's case ("AI training on user content", never "ai training")."""

from __future__ import annotations

import re
from pathlib import Path

from test_site import NOW, fill_store

from monitor.changes.analysis import assess, describe_event, summarise
from monitor.clauses.taxonomy import load_taxonomy
from monitor.models import ChangeEvent
from monitor.notify.alerts import alert_subject
from monitor.publish.site import build_site


def _lowered_titles() -> list[str]:
    """Titles whose lowercase form differs inside a sentence ("AI ...", not "Refunds")."""
    titles = [c.title for c in load_taxonomy().categories.values()]
    return [t.lower() for t in titles if t[1:] != t[1:].lower()]


def test_the_taxonomy_has_titles_with_capitals_inside() -> None:
    assert "ai training on user content" in _lowered_titles()


def test_category_pages_keep_the_title_as_written(tmp_path: Path) -> None:
    filled = fill_store(tmp_path)
    out = build_site(filled.settings, filled.store, output_dir=tmp_path / "s", now=NOW).output_dir
    page = (out / "categories/ai-training-on-user-content/index.html").read_text("utf-8")
    h2 = re.search(r'<h2 id="compare">(.*?)</h2>', page)
    assert h2 and "AI training on user content" in h2.group(1)
    lowered = _lowered_titles()
    for path in out.rglob("*.html"):
        text = path.read_text("utf-8")
        assert not [t for t in lowered if t in text], path


def test_alert_subject_keeps_the_title_as_written() -> None:
    docs = [
        {
            "exposure": "high",
            "service_name": "Framecast",
            "terms_type": "Terms of Service",
            "changes": [
                {"exposure": "high", "categories": [{"title": "AI training on user content"}]},
                {"exposure": "medium", "categories": [{"title": "Credit and balance expiry"}]},
            ],
        }
    ]
    subject = alert_subject(docs)
    assert subject == (
        "[ClauseWatch] High: Framecast changed AI training on user content, "
        "Credit and balance expiry"
    )


def test_change_prose_keeps_acronyms_in_category_titles() -> None:
    taxonomy = load_taxonomy()
    event = ChangeEvent(
        kind="added",
        categories=["ai_training_on_user_content", "credit_expiry"],
        editorial=False,
        exposure="medium",
        reasons=[],
        fact_deltas=[],
        heading_path=("Data",),
        before=None,
        after=None,
    )
    sentence = describe_event(event, taxonomy)
    assert "AI training on user content" in sentence
    assert "credit and balance expiry" in sentence  # an ordinary title reads as a phrase
    assert "ai training" not in summarise([event], taxonomy)
    assert "AI training on user content" in " ".join(assess([event], taxonomy)[0].reasons)
