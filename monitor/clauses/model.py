"""A small linear model over word n-grams and rule hits, loaded from JSON and scored in pure Python.

The weights are produced offline by ``scripts/train_clause_model.py`` (scikit-learn) and stored in
``monitor/data/clause_model.json``; nothing here imports scikit-learn, numpy or pickle.

Features (shared with the training script through :func:`features`): lower-cased word unigrams and
bigrams plus ``R:<rule id>`` for every recognition rule that fired. Vectors are binary and
L2-normalised over the features the model knows, exactly as at training time.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["LinearModel", "features", "tokenize", "load_model", "CLAUDETTE_CODES"]

TOKEN = re.compile(r"[a-z0-9]+")

# CLAUDETTE category code -> taxonomy id
CLAUDETTE_CODES: dict[str, str] = {
    "a": "arbitration",
    "ch": "unilateral_change",
    "cr": "content_removal",
    "j": "jurisdiction",
    "law": "choice_of_law",
    "ltd": "limitation_of_liability",
    "ter": "unilateral_termination",
    "use": "contract_by_using",
    "pinc": "privacy_policy_by_reference",
}


def tokenize(lower: str) -> list[str]:
    return TOKEN.findall(lower)


def features(tokens: Sequence[str], rule_ids: Iterable[str]) -> set[str]:
    """The binary feature set of one clause."""
    feats = set(tokens)
    feats.update(a + " " + b for a, b in zip(tokens, tokens[1:], strict=False))
    feats.update("R:" + r for r in rule_ids)
    return feats


@dataclass
class LinearModel:
    categories: list[str]  # taxonomy ids, one weight column each
    weights: dict[str, list[float]]
    bias: list[float]
    thresholds: list[float]  # margin at or above which the clause is unfair in that category
    low_thresholds: list[float]  # margin at or above which the category is recognised at all

    def margins(self, feats: Iterable[str]) -> list[float]:
        w = self.weights
        hits = [w[f] for f in feats if f in w]
        if not hits:
            return list(self.bias)
        norm = 1.0 / math.sqrt(len(hits))
        return [
            b + norm * sum(col) for b, col in zip(self.bias, zip(*hits, strict=False), strict=True)
        ]

    def to_json(self) -> dict[str, object]:
        return {
            "format": "clausewatch-linear-1",
            "categories": self.categories,
            "bias": self.bias,
            "thresholds": self.thresholds,
            "low_thresholds": self.low_thresholds,
            "weights": self.weights,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LinearModel:
        if data.get("format") != "clausewatch-linear-1":
            raise ValueError("unknown clause model format")
        cats = [str(c) for c in data["categories"]]  # type: ignore[attr-defined]
        raw = data["weights"]
        assert isinstance(raw, dict)
        weights = {str(f): [float(x) for x in v] for f, v in raw.items()}
        return cls(
            categories=cats,
            weights=weights,
            bias=[float(x) for x in data["bias"]],  # type: ignore[attr-defined]
            thresholds=[float(x) for x in data["thresholds"]],  # type: ignore[attr-defined]
            low_thresholds=[float(x) for x in data["low_thresholds"]],  # type: ignore[attr-defined]
        )


@lru_cache(maxsize=1)
def load_model() -> LinearModel | None:
    """The packaged model, or None when it has not been trained (rules then work alone)."""
    try:
        text = resources.files("monitor").joinpath("data/clause_model.json").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None
    return LinearModel.from_json(json.loads(text))
