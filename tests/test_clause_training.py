"""Clause-model training: the exported runtime model reproduces the training margins, selection sees
only the services it is given, and the evaluation's bootstrap by service."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import train_clause_model as T  # noqa: E402

from monitor.clauses.model import LinearModel, tokenize  # noqa: E402

UNFAIR = [  # (category code, sentence template)
    ("ter", "We may terminate your {x} account at any time without notice."),
    ("a", "Any {x} dispute will be resolved by binding arbitration."),
    ("ch", "We may change these {x} terms at any time in our sole discretion."),
]
NEUTRAL = [
    "You can contact our {x} support team by e-mail.",
    "The {x} service is available in several countries.",
    "Please read the {x} documentation before starting.",
    "Our offices are open on weekdays for {x} questions.",
]
WORDS = ["gold", "basic", "premium", "trial", "family", "team", "pro", "free"]


def corpus(n_services: int = 8) -> tuple[list[str], np.ndarray, list[str]]:
    sents: list[str] = []
    labels: list[list[int]] = []
    groups: list[str] = []
    for s in range(n_services):
        for k, x in enumerate(WORDS):
            for code, tpl in UNFAIR:
                if (s + k) % 3 == 0:
                    row = [0] * len(T.CODES)
                    row[T.CODES.index(code)] = 1
                    sents.append(tpl.format(x=f"{x}{s}" if k % 2 else x))
                    labels.append(row)
                    groups.append(f"S{s}")
            for tpl in NEUTRAL:
                sents.append(tpl.format(x=x))
                labels.append([0] * len(T.CODES))
                groups.append(f"S{s}")
    return sents, np.array(labels), groups


RECIPES = [
    T.Recipe(2, None, 1.0),
    T.Recipe(3, 60, 0.5, (0.1,) * 9),
    T.Recipe(2, 60, 0.25, (-0.2,) * 9),
    T.Recipe(2, None, 1.0, char_l2=True),
    T.Recipe(3, 60, 0.5, char_l2=True),
]


@pytest.mark.parametrize("recipe", RECIPES)
def test_exported_model_reproduces_training_margins(recipe: T.Recipe) -> None:
    """Runtime scoring (per clause and batched) of the exported model, after a JSON round trip,
    equals the training script's design applied with the exported vocabulary, idf and weights."""
    sents, labels, _ = corpus()
    feats = T.Features(sents)
    rows = np.arange(0, len(sents), 2)
    model = LinearModel.from_json(T.fit(feats, labels, recipe, rows).to_json())
    assert model.char_min == recipe.char_min
    assert model.sublinear == {"w": True, "c": recipe.char_l2}
    assert model.thresholds == list(recipe.offsets)
    assert all(len(g) >= recipe.char_min for g in model.vocab["c"])
    assert any(len(g) == 2 for g in model.vocab["c"]) == (recipe.char_min == 2)
    if recipe.max_features:
        assert sum(len(v) for v in model.vocab.values()) <= recipe.max_features
    # the training margins, from the training script's own design over the exported vocabulary
    cols = {b: [feats.names[b].index(f) for f in model.vocab[b]] for b in model.vocab}
    idf = {b: np.array([r[0] for r in model.vocab[b].values()]) for b in model.vocab}
    design = T._Design({b: np.array(c) for b, c in cols.items()}, idf, recipe.char_l2)
    wmat = np.vstack(
        [np.array([r[1:] for r in model.vocab[b].values()]).reshape(-1, 9) for b in T.BLOCKS]
    )
    expect = design.transform(feats) @ wmat + np.array(model.bias)
    toks = [tokenize(s.lower()) for s in sents]
    one = np.array([model.score(t).margins for t in toks])
    many = np.array([s.margins for s in model.score_many(toks)])
    assert np.abs(one - expect).max() < 1e-6
    assert np.abs(many - expect).max() < 1e-6


def test_selection_sees_only_its_services() -> None:
    """Labels of sentences outside ``rows`` (the outer test services) change nothing."""
    sents, labels, groups = corpus()
    feats = T.Features(sents)
    test = np.array([g in ("S0", "S1") for g in groups])
    rows = np.flatnonzero(~test)
    grid = [(3, None, 0.5, False), (2, 30, 1.0, False), (2, None, 1.0, True)]
    both = (0.0, 0.2)
    a = T.select(feats, labels, groups, rows, inner_folds=3, grid=grid, thresholds=both)
    scrambled = labels.copy()
    scrambled[test] = 1 - scrambled[test]
    b = T.select(feats, scrambled, groups, rows, inner_folds=3, grid=grid, thresholds=both)
    assert a.recipe == b.recipe and a.scores == b.scores
    assert a.folds == 3 and a.services == 6
    assert set(a.scores) == {(cfg, t) for cfg in grid for t in both}
    # the held-out margins behind the scores (eval_claudette --inner-diagnosis reads them)
    assert set(a.margins) == set(grid)
    y = labels[rows].astype(bool)
    for cfg, m in a.margins.items():
        pred = T.predict_unfair(m, feats, rows, 0.2)
        assert T.inner_macro_f1(y, pred) == a.scores[(cfg, 0.2)]
    r = a.recipe
    assert (r.char_min, r.max_features, r.c, r.char_l2) in grid
    # one threshold shared by the scored categories; pinc (not scored) stays at margin 0
    assert {a.recipe.offsets[j] for j in T.EVAL_IDX} <= set(both)
    assert len({a.recipe.offsets[j] for j in T.EVAL_IDX}) == 1
    assert a.recipe.offsets[T.CODES.index("pinc")] == 0.0
    ma, mb = T.fit(feats, labels, a.recipe, rows), T.fit(feats, scrambled, b.recipe, rows)
    assert ma.to_json() == mb.to_json()


def test_selection_applies_the_rules_as_shipped() -> None:
    """Inner decisions follow classify: a negation rule or a bare title blocks "unfair", a
    fair-leaning rule (small-claims carve-out) lowers the margin by FAIR_SHIFT per unit of weight,
    and the result equals what ``classify.analyse`` decides with the same margins."""
    from monitor.clauses.classify import FAIR_SHIFT, analyse
    from monitor.clauses.model import CLAUDETTE_CODES

    sents = [
        "Any dispute will be resolved by binding arbitration.",
        "There is no arbitration under these terms.",
        "Any dispute will be resolved by binding arbitration, except claims in small claims court.",
        "**Arbitration**",
    ]
    feats = T.Features(sents)
    j = T.CODES.index("a")
    assert list(feats.negated[:, j]) == [False, True, False, True]
    assert feats.fair[2, j] > 0 and feats.fair[0, j] == 0
    rows = np.arange(len(sents))
    for margin in (0.05, 0.3, 1.5):
        m = np.zeros((len(sents), len(T.CODES)))
        m[:, j] = margin
        pred = T.predict_unfair(m, feats, rows, 0.0)[:, j]
        assert list(pred) == [True, False, margin - FAIR_SHIFT * feats.fair[2, j] >= 0, False]
        # the same decisions through classify, with a model whose margin is constant
        model = LinearModel(
            categories=[CLAUDETTE_CODES[c] for c in T.CODES],
            vocab={"w": {}, "c": {}},
            bias=list(m[0]),
            thresholds=[0.0] * len(T.CODES),
            low_thresholds=[-0.5] * len(T.CODES),
        )
        shipped = [
            any(c.unfair and c.category == "arbitration" for c in analyse(s, model).categories)
            for s in sents
        ]
        assert shipped == list(pred)


def test_bootstrap_by_service() -> None:
    import eval_claudette as E

    rng = np.random.default_rng(1)
    n_services = 12
    groups = np.repeat([f"S{i}" for i in range(n_services)], 30)
    services = sorted(set(groups))
    y = (rng.random((len(groups), len(T.CODES))) < 0.2).astype(int)
    good = np.where(rng.random(y.shape) < 0.9, y, 1 - y)
    bad = np.where(rng.random(y.shape) < 0.6, y, 1 - y)
    cg = E.service_counts(y, good, groups, services)
    cb = E.service_counts(y, bad, groups, services)
    # per-service counts add up to the pooled ones
    assert cg[0].sum() == ((y == 1) & (good == 1))[:, E.EVAL_IDX].sum()
    a, b = E.bootstrap_by_service(cg, cb, 2000)
    lo, hi = np.percentile(a, [2.5, 97.5])
    assert lo < E.macro_f1(y, good) < hi
    assert (a - b).min() > 0  # paired: the better predictions win on every resample
    same_a, same_b = E.bootstrap_by_service(cg, cg, 100)
    assert np.array_equal(same_a, same_b)
    # deterministic for a given seed
    assert np.array_equal(
        E.bootstrap_by_service(cg, cb, 50)[0], E.bootstrap_by_service(cg, cb, 50)[0]
    )


def test_grid_holds_former_recipe_and_baseline_form() -> None:
    assert T.GRID[0] == (3, T.MAX_FEATURES, 0.5, False)  # the former recipe, first on ties
    assert T.THRESHOLDS == (0.0,)  # shared offsets lost on unseen services (RESULTS.md)
    assert T.OFFSETS[0] == 0.0
    assert (2, None, 1.0, False) in T.GRID  # word 1-2 + char 2-5, all features, C 1, runtime norm
    assert (2, None, 1.0, True) in T.GRID  # the same weighted as the baseline (sublinear, L2)
    assert len(set(T.GRID)) == len(T.GRID)
    assert [c for c in T.CODES if c != "pinc"] == T.EVAL_CODES


def test_model_file_without_char_min_reads_char_3_to_5() -> None:
    """Files written before ``char_min`` existed keep their 3- to 5-gram character block."""
    from monitor.clauses.model import CHAR_MIN

    data = {
        "format": "clausewatch-tfidf-2",
        "categories": ["x"],
        "bias": [0.0],
        "thresholds": [0.0],
        "low_thresholds": [-0.5],
        "sublinear": {"w": True, "c": False},
        "vocab": {"w": {"we": [1.0, 1.0]}, "c": {" w": [1.0, 5.0], " we": [1.0, 1.0]}},
    }
    old = LinearModel.from_json(data)
    assert old.char_min == CHAR_MIN == 3
    # " w" is a 2-gram: ignored by a 3-5 model, counted by a 2-5 one
    new = LinearModel.from_json({**data, "char_min": 2})
    toks = tokenize("we")
    assert new.margins(toks)[0] > old.margins(toks)[0]
    assert LinearModel.from_json(new.to_json()).char_min == 2


def test_char_l2_block_weights_as_the_baseline() -> None:
    """With ``char_l2`` the character block is scikit-learn's char_wb 2-5 TF-IDF (sublinear tf,
    min_df 2, L2 norm), as in the baseline of eval_claudette.py, on texts whose words are letters."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    sents = [
        "we may terminate your account at any time",
        "we may change these terms terms at any time",
        "your account may be suspended at our discretion",
        "disputes are resolved by arbitration in our county",
        "the terms may change and we may terminate",
    ]
    feats = T.Features(sents)
    rows = np.arange(len(sents))
    design = T._Design.fit(feats, rows, 2, char_l2=True)
    ours = design.transform(feats).toarray()[:, len(design.cols["w"]) :]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    ref = vec.fit_transform(sents).toarray()
    names = [feats.names["c"][c] for c in design.cols["c"]]
    assert sorted(names) == sorted(vec.get_feature_names_out())
    order = [vec.vocabulary_[f] for f in names]
    assert np.abs(ours - ref[:, order]).max() < 1e-9
    # the runtime form (raw tf, per-word norm) differs on a clause that repeats a word
    raw = T._Design.fit(feats, rows, 2).transform(feats).toarray()[:, len(design.cols["w"]) :]
    assert np.abs(raw[1] - ours[1]).max() > 1e-3
