"""The provision taxonomy, loaded from ``monitor/data/taxonomy.json`` (one place to add a category)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from monitor.errors import ConfigError
from monitor.models import EXPOSURES

__all__ = ["Analysis", "Category", "Taxonomy", "load_taxonomy", "parse_taxonomy"]

GROUPS = ("commercial", "ai_content", "legal", "privacy")


@dataclass(frozen=True)
class Analysis:
    summary: str
    who_is_affected: str
    regulatory_landscape: str
    governance_exposure_level: str  # "Low" | "Medium" | "High"
    governance_exposure_reason: str
    jurisdiction_flags: tuple[str, ...]
    contract_implications: str
    compliance_considerations: str


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    description: str
    group: str
    recognition: str
    facts: tuple[str, ...]
    default_exposure: str
    analysis: Analysis
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Taxonomy:
    disclaimer: str
    categories: dict[str, Category]

    def get(self, category_id: str) -> Category | None:
        return self.categories.get(category_id)

    def __contains__(self, category_id: object) -> bool:
        return category_id in self.categories

    @property
    def ids(self) -> list[str]:
        return list(self.categories)


def _req(d: dict[str, Any], key: str, where: str) -> Any:
    if key not in d or d[key] in (None, "", []):
        raise ConfigError(f"taxonomy.json: {where}: missing or empty key '{key}'")
    return d[key]


def parse_taxonomy(data: dict[str, Any]) -> Taxonomy:
    disclaimer = str(_req(data, "disclaimer", "top level"))
    cats: dict[str, Category] = {}
    for i, c in enumerate(_req(data, "categories", "top level")):
        where = f"categories[{i}]"
        cid = str(_req(c, "id", where))
        where = f"category '{cid}'"
        group = str(_req(c, "group", where))
        if group not in GROUPS:
            raise ConfigError(f"taxonomy.json: {where}: key 'group' must be one of {GROUPS}")
        exposure = str(_req(c, "default_exposure", where))
        if exposure not in EXPOSURES:
            raise ConfigError(
                f"taxonomy.json: {where}: key 'default_exposure' must be one of {EXPOSURES}"
            )
        a = _req(c, "analysis", where)
        ge = _req(a, "governance_exposure", where + ".analysis")
        analysis = Analysis(
            summary=str(_req(a, "summary", where + ".analysis")),
            who_is_affected=str(_req(a, "who_is_affected", where + ".analysis")),
            regulatory_landscape=str(_req(a, "regulatory_landscape", where + ".analysis")),
            governance_exposure_level=str(
                _req(ge, "level", where + ".analysis.governance_exposure")
            ),
            governance_exposure_reason=str(
                _req(ge, "reason", where + ".analysis.governance_exposure")
            ),
            jurisdiction_flags=tuple(_req(a, "jurisdiction_flags", where + ".analysis")),
            contract_implications=str(_req(a, "contract_implications", where + ".analysis")),
            compliance_considerations=str(
                _req(a, "compliance_considerations", where + ".analysis")
            ),
        )
        if cid in cats:
            raise ConfigError(f"taxonomy.json: {where}: duplicate id")
        cats[cid] = Category(
            id=cid,
            title=str(_req(c, "title", where)),
            description=str(_req(c, "description", where)),
            group=group,
            recognition=str(_req(c, "recognition", where)),
            facts=tuple(c.get("facts", [])),
            default_exposure=exposure,
            analysis=analysis,
            raw=c,
        )
    return Taxonomy(disclaimer, cats)


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    """The packaged taxonomy (cached)."""
    text = resources.files("monitor").joinpath("data/taxonomy.json").read_text("utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"taxonomy.json: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    return parse_taxonomy(data)
