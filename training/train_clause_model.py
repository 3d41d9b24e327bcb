"""Train the clause model on CLAUDETTE and export it to monitor/data/clause_model.json.

Offline only (scikit-learn). Usage:
    .venv/bin/python training/train_clause_model.py [CLAUDETTE_DIR] [--out monitor/data/clause_model.json]

Positive example of a category = the sentence carries its code with degree 2 or 3 (degree-1, fair,
examples of the category are negatives). Features are the runtime features
(``monitor.clauses.model.count_features``): TF-IDF word uni/bigrams (sublinear tf, L2 norm) plus
character n-grams inside words (raw tf); one class-balanced linear SVM per category. A clause is
unfair in a category when its margin, lowered by the category's fair-leaning rules (``FAIR_SHIFT``
per unit of weight), reaches the threshold and no negation or veto rule of that category fired
(``classify.py``).

The recipe is chosen by cross-validation grouped by service (:func:`select`) among the
configurations of :data:`GRID` (character n-grams from 3 or from 2 letters, the exported vocabulary
capped at :data:`MAX_FEATURES` or not, the SVM's C, the character block weighted per word or as
the baseline weights it: sublinear tf and L2 norm) times one unfair threshold shared by the scored
categories (:data:`THRESHOLDS`, margin offsets -0.2 to +0.2). Every configuration is trained on the
inner training services only; each candidate's decisions on the held-out services are taken as
the shipped path takes them, rules included (:func:`predict_unfair`); the best is then trained on
every training sentence (:func:`fit`).

Thresholds tuned per category (an offset per category, chosen on other inner folds' margins) were
candidates in an earlier nested run (``benchmarks/RESULTS.md``): the inner folds preferred them in
2 of the 5 outer folds, where they did worse on the unseen services than margin 0 (0.644 vs 0.665,
0.669 vs 0.694): with 8 categories of a few hundred positives, one threshold per category fits the
inner services. One shared threshold is a single number. The grid holds the former fixed recipe
(char 3-5, 30k features, C 0.5, margin 0), C 0.25 at that size, and the plain TF-IDF + linear SVM
baseline's recipe (word 1-2 + char 2-5, all features, C 1, margin 0) twice: with the runtime's
character weighting (raw tf, a normaliser summed per word, which keeps extraction fast) and with
the baseline's own (sublinear tf, L2 norm over the clause's n-grams; scikit-learn's char_wb block
on texts of letters, slower at runtime: :meth:`LinearModel.score` without the batched path).
Both keep the runtime's tokens (no punctuation, one-letter words kept) and the rules.
``benchmarks/eval_claudette.py`` evaluates this whole procedure, selection included, on outer
folds of unseen services (nested cross-validation).

Measured earlier under a grouped 5-fold protocol that also chose the model (so only indicative)
and not kept: logistic regression; class weights 3 or 10 instead of balanced; word or character
block alone; previous/next-sentence or section-heading n-grams as extra blocks; rule hits as
features; a logistic stacker over inner out-of-fold margins; SVMs bagged over services; per-service
sample weights; word 1-3-grams, binary tf, max_df 0.5, NB-SVM weighting; static WordLlama
embeddings. None gained beyond noise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.clauses.classify import FAIR_SHIFT, fired_rules, states_nothing  # noqa: E402
from monitor.clauses.model import (  # noqa: E402
    BLOCKS,
    CLAUDETTE_CODES,
    LinearModel,
    count_features,
    tokenize,
)

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "claudette-en"
CODES = list(CLAUDETTE_CODES)  # a ch cr j law ltd ter use pinc
# the categories scored (macro-F1); pinc has 31 positive sentences in 43 services and is trained
# but neither scored nor tuned (threshold 0)
EVAL_CODES = ["a", "ch", "cr", "j", "law", "ltd", "ter", "use"]
EVAL_IDX = [CODES.index(c) for c in EVAL_CODES]
MIN_DF = 2
CHAR_LO = 2  # counts are built once with character 2-5-grams; a recipe keeps 2-5 or 3-5
# word block: sublinear tf + L2 norm; char block: raw tf, norm sqrt(sum tf * idf^2), which the
# runtime computes word by word from cached per-word sums (see LinearModel._score_raw)
SUBLINEAR = {"w": True, "c": False}
SCALES = {"w": 1.0, "c": 1.0}  # weight of each normalised block
MAX_FEATURES = 30_000  # the cap a recipe may apply: features kept by weight after a first fit
TOL = 1e-3  # liblinear's stopping tolerance (1e-4 is 4x slower; margins differ by < 1e-3)
INNER_FOLDS = 4  # folds of the selection's cross-validation, grouped by service
LOW_MARGIN = 0.5  # category recognised (maybe fair) this far below the unfair threshold
# candidate configurations: (char_min, max_features, C, char_l2); the first, with thresholds at
# margin 0, is the former fixed recipe and wins ties. char_l2: the character block weighted as the
# baseline weights it (sublinear tf over the clause's n-gram counts, L2 norm) instead of raw tf
# normalised word by word; the last candidate is the baseline's own recipe in that weighting
# (word 1-2 + char 2-5, every feature, C 1), so the procedure can reproduce it. Fixed before the
# nested run of issue 13 (RESULTS.md, helper unfair14), with C 0.25 for the shipped size.
Config = tuple[int, int | None, float, bool]
GRID: list[Config] = [
    (3, MAX_FEATURES, 0.5, False),
    (3, MAX_FEATURES, 1.0, False),
    (3, MAX_FEATURES, 0.25, False),
    (3, None, 0.5, False),
    (3, None, 1.0, False),
    (2, None, 0.5, False),
    (2, None, 1.0, False),
    (2, None, 1.0, True),
]
# unfair thresholds (one margin offset shared by the 8 scored categories) the inner folds choose
# from, with the configuration; the first wins ties. Only margin 0: OFFSETS as candidates lost on
# unseen services in nested CV (RESULTS.md, issue 13), as per-category offsets had before.
OFFSETS = (0.0, -0.2, -0.1, 0.1, 0.2)  # eval_claudette.py --offsets reproduces that run
THRESHOLDS: tuple[float, ...] = (0.0,)


@dataclass(frozen=True)
class Recipe:
    """One configuration of the model; ``offsets``: unfair threshold per category (CODES order)."""

    char_min: int = 3
    max_features: int | None = MAX_FEATURES
    c: float = 0.5
    offsets: tuple[float, ...] = (0.0,) * len(CODES)
    char_l2: bool = False  # character block: sublinear tf + L2 norm (else raw tf, per-word norm)

    def describe(self) -> str:
        cap = "all features" if self.max_features is None else f"{self.max_features} features"
        thr = ", ".join(
            f"{code} {o:+.2f}" for code, o in zip(CODES, self.offsets, strict=True) if o
        )
        l2 = " (sublinear, L2)" if self.char_l2 else ""
        return (
            f"word 1-2 + char {self.char_min}-5{l2}, {cap}, C {self.c:g}, "
            f"thresholds {thr or 'all 0'}"
        )


@dataclass
class Corpus:
    sentences: list[str]
    labels: np.ndarray  # (n, len(CODES)) 0/1, degree 2 or 3
    anylabels: np.ndarray  # (n, len(CODES)) 0/1, any degree
    groups: list[str]  # service name per sentence


def load_claudette(path: Path) -> Corpus:
    sents: list[str] = []
    labels: list[list[int]] = []
    anyl: list[list[int]] = []
    groups: list[str] = []
    for spath in sorted((path / "sentences").glob("*.txt")):
        tpath = path / "tags" / spath.name
        slines = spath.read_text("utf-8").splitlines()
        tlines = tpath.read_text("utf-8").splitlines()
        tlines += [""] * (len(slines) - len(tlines))
        for s, t in zip(slines, tlines, strict=False):
            if not s.strip():
                continue
            row = [0] * len(CODES)
            arow = [0] * len(CODES)
            for tag in t.split():
                code, deg = tag.rstrip("0123456789"), tag[len(tag.rstrip("0123456789")) :]
                if code in CODES:
                    arow[CODES.index(code)] = 1
                    if deg in ("2", "3"):
                        row[CODES.index(code)] = 1
            sents.append(s.strip())
            labels.append(row)
            anyl.append(arow)
            groups.append(spath.stem)
    return Corpus(sents, np.array(labels), np.array(anyl), groups)


class Features:
    """Every sentence's n-gram counts per block (sparse, over every n-gram seen) and the negation
    rules that fire on it: computed once, then sliced by row for any fold."""

    def __init__(self, sentences: Sequence[str]) -> None:
        self.n = len(sentences)
        lowers = [s.lower() for s in sentences]
        tokens = [tokenize(s) for s in lowers]
        feats = [count_features(t, CHAR_LO) for t in tokens]
        self.names: dict[str, list[str]] = {}
        self.mats: dict[str, sparse.csr_matrix] = {}
        for block in BLOCKS:
            index: dict[str, int] = {}
            indptr = [0]
            cols: list[int] = []
            vals: list[float] = []
            for fs in feats:
                for f, tf in fs[block].items():
                    cols.append(index.setdefault(f, len(index)))
                    vals.append(tf)
                indptr.append(len(cols))
            m = sparse.csr_matrix(
                (np.array(vals, dtype=np.float64), np.array(cols), np.array(indptr)),
                shape=(self.n, len(index)),
            )
            if SUBLINEAR[block]:
                m.data = 1.0 + np.log(m.data)  # sublinear tf
            self.mats[block] = m
            self.names[block] = list(index)
        self.char_len = np.array([len(f) for f in self.names["c"]])
        # the character counts with sublinear tf, for recipes that weight them as the baseline does
        self.char_sub = self.mats["c"].copy()
        self.char_sub.data = 1.0 + np.log(self.char_sub.data)
        # The rules' evidence as the shipped path applies it (classify._analyse): negated[i, j],
        # a negation or veto rule of category j fired on sentence i, or the sentence is a bare
        # title (never unfair then); fair[i, j], the summed weight of its fair-leaning rules,
        # which lowers the margin by FAIR_SHIFT per unit before the threshold.
        cat_index = {CLAUDETTE_CODES[c]: j for j, c in enumerate(CODES)}
        self.negated = np.zeros((self.n, len(CODES)), dtype=bool)
        self.fair = np.zeros((self.n, len(CODES)))
        for i, (low, toks) in enumerate(zip(lowers, tokens, strict=True)):
            if states_nothing(low):
                self.negated[i] = True
                continue
            for rule in fired_rules(low, toks):
                j = cat_index.get(rule.category)
                if j is None:
                    continue
                if rule.kind in ("neg", "x"):
                    self.negated[i, j] = True
                elif rule.kind == "f":
                    self.fair[i, j] += rule.weight


@dataclass
class _Design:
    """Vocabulary (column ids per block) and idf learnt on some rows; transforms any rows."""

    cols: dict[str, np.ndarray]
    idf: dict[str, np.ndarray]
    char_l2: bool = False  # character block: sublinear tf + L2 norm

    def sublinear(self, block: str) -> bool:
        return SUBLINEAR[block] or (block == "c" and self.char_l2)

    @classmethod
    def fit(
        cls, feats: Features, rows: np.ndarray, char_min: int, char_l2: bool = False
    ) -> _Design:
        cols, idf = {}, {}
        n = len(rows)
        for block in BLOCKS:
            df = np.asarray((feats.mats[block][rows] > 0).sum(axis=0)).ravel()
            ok = df >= MIN_DF
            if block == "c":
                ok &= feats.char_len >= char_min  # padding spaces count as characters
            keep = np.flatnonzero(ok)
            cols[block] = keep
            idf[block] = np.log((1.0 + n) / (1.0 + df[keep])) + 1.0
        return cls(cols, idf, char_l2)

    def restrict(self, keep: dict[str, np.ndarray]) -> _Design:
        """The same design over a subset of its columns (positions into ``cols``)."""
        return _Design(
            {b: self.cols[b][keep[b]] for b in BLOCKS},
            {b: self.idf[b][keep[b]] for b in BLOCKS},
            self.char_l2,
        )

    def transform(self, feats: Features, rows: np.ndarray | None = None) -> sparse.csr_matrix:
        parts = []
        for block in BLOCKS:
            full = feats.char_sub if block == "c" and self.char_l2 else feats.mats[block]
            m = full if rows is None else full[rows]
            m = m[:, self.cols[block]]
            if m.shape[1] == 0:  # a block the cap emptied
                pass
            elif self.sublinear(block):
                m = normalize(m @ sparse.diags(self.idf[block]))
            else:
                # raw tf, normalised by sqrt(sum tf * idf^2) (see LinearModel._score_raw)
                sq = np.asarray(m @ (self.idf[block] ** 2)).ravel()
                sq[sq <= 0] = 1.0
                m = sparse.diags(1.0 / np.sqrt(sq)) @ m @ sparse.diags(self.idf[block])
            parts.append(m * SCALES[block])
        return sparse.hstack(parts).tocsr()

    def sizes(self) -> list[int]:
        return [len(self.cols[b]) for b in BLOCKS]


def _fit(x: sparse.csr_matrix, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    if y.sum() == 0:
        return np.zeros(x.shape[1]), -10.0
    clf = LinearSVC(C=c, class_weight="balanced", tol=TOL, max_iter=5000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    return clf.coef_.ravel(), float(clf.intercept_[0])


def _fit_all(
    feats: Features, labels: np.ndarray, rows: np.ndarray, design: _Design, c: float
) -> tuple[np.ndarray, np.ndarray]:
    """One SVM per category on ``rows``: weights (n_feat, n_cat) and biases."""
    x = design.transform(feats, rows)
    fits = [_fit(x, labels[rows, j], c) for j in range(labels.shape[1])]
    return np.vstack([w for w, _ in fits]).T, np.array([b for _, b in fits])


def _cap(design: _Design, wmat: np.ndarray, max_features: int) -> _Design | None:
    """The design restricted to the ``max_features`` features weighing most for some category
    (None when it is not larger than that)."""
    strength = np.abs(wmat).max(axis=1)
    if len(strength) <= max_features:
        return None
    mask = np.zeros(len(strength), dtype=bool)
    mask[np.argsort(-strength, kind="stable")[:max_features]] = True  # ties: the earlier column
    keep, start = {}, 0
    for block, size in zip(BLOCKS, design.sizes(), strict=True):
        keep[block] = np.flatnonzero(mask[start : start + size])
        start += size
    return design.restrict(keep)


def inner_macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    """The selection's score: F1 per scored category over all rows, averaged."""
    return float(np.mean([_f1(y[:, j], pred[:, j]) for j in EVAL_IDX]))


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = int((y & pred).sum())
    fp = int((~y & pred).sum())
    fn = int((y & ~pred).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


@dataclass
class Selection:
    """The chosen recipe and the inner cross-validation behind it."""

    recipe: Recipe
    # (config, shared offset) -> inner macro-F1 over EVAL_CODES
    scores: dict[tuple[Config, float], float] = field(default_factory=dict)
    folds: int = 0
    services: int = 0
    # config -> margins of the selection's rows, each from the inner fold that held it out
    margins: dict[Config, np.ndarray] = field(default_factory=dict)


def predict_unfair(
    margins: np.ndarray, feats: Features, rows: np.ndarray, offset: float
) -> np.ndarray:
    """Unfair decisions as the shipped path takes them (``classify._analyse``): margin minus the
    fair-leaning rules' shift at or above the threshold, and no negation or veto rule."""
    shifted = margins - FAIR_SHIFT * feats.fair[rows]
    return (shifted >= offset) & ~feats.negated[rows]


def select(
    feats: Features,
    labels: np.ndarray,
    groups: Sequence[str],
    rows: np.ndarray | None = None,
    inner_folds: int = INNER_FOLDS,
    grid: Sequence[Config] = GRID,
    thresholds: Sequence[float] = THRESHOLDS,
) -> Selection:
    """Choose the recipe by cross-validation over the services of ``rows`` only (grouped folds).

    Every configuration is trained on the inner training services (vocabulary, idf, cap and
    weights) and gives margins on the held-out ones. Each (configuration, threshold of
    ``thresholds`` shared by the scored categories) is scored by :func:`predict_unfair` on those
    margins (the rules' evidence applied as shipped): F1 pooled over the inner folds, averaged over
    :data:`EVAL_CODES`. The best candidate wins; ties go to the earlier in ``grid``, then in
    ``thresholds``.
    """
    rows = np.arange(feats.n) if rows is None else np.asarray(rows)
    g = np.asarray(groups)[rows]
    y = labels[rows].astype(bool)
    n_cat = labels.shape[1]
    oof = {cfg: np.zeros((len(rows), n_cat)) for cfg in grid}
    k = min(inner_folds, len(set(g)))
    for tr, te in GroupKFold(n_splits=k).split(rows, groups=g):
        for char_min, l2 in dict.fromkeys((cm, l2) for cm, _, _, l2 in grid):
            design = _Design.fit(feats, rows[tr], char_min, l2)
            xte = design.transform(feats, rows[te])
            for c in dict.fromkeys(cc for cm, _, cc, ll in grid if (cm, ll) == (char_min, l2)):
                wmat, bias = _fit_all(feats, labels, rows[tr], design, c)
                for cfg in [x for x in grid if (x[0], x[2], x[3]) == (char_min, c, l2)]:
                    small = None if cfg[1] is None else _cap(design, wmat, cfg[1])
                    if small is None:
                        oof[cfg][te] = xte @ wmat + bias
                    else:
                        w2, b2 = _fit_all(feats, labels, rows[tr], small, c)
                        oof[cfg][te] = small.transform(feats, rows[te]) @ w2 + b2
    scores: dict[tuple[Config, float], float] = {}
    for cfg, m in oof.items():
        for offset in thresholds:
            pred = predict_unfair(m, feats, rows, offset)
            scores[(cfg, offset)] = inner_macro_f1(y, pred)
    order = [(cfg, t) for cfg in grid for t in thresholds]
    cfg, offset = max(order, key=lambda key: (scores[key], -order.index(key)))
    offsets = [offset if j in EVAL_IDX else 0.0 for j in range(n_cat)]
    recipe = Recipe(cfg[0], cfg[1], cfg[2], tuple(offsets), cfg[3])
    return Selection(recipe, scores, k, len(set(g)), oof)


def fit(
    feats: Features, labels: np.ndarray, recipe: Recipe, rows: np.ndarray | None = None
) -> LinearModel:
    """Train ``recipe`` on ``rows`` (all sentences by default) and build the runtime model."""
    rows = np.arange(feats.n) if rows is None else np.asarray(rows)
    n_cat = labels.shape[1]
    design = _Design.fit(feats, rows, recipe.char_min, recipe.char_l2)
    wmat, biases = _fit_all(feats, labels, rows, design, recipe.c)
    if recipe.max_features is not None:
        # keep the features that matter most to some category, then refit on that vocabulary so
        # the runtime normalisation (over known features) equals the training one
        small = _cap(design, wmat, recipe.max_features)
        if small is not None:
            design = small
            wmat, biases = _fit_all(feats, labels, rows, design, recipe.c)
    vocab: dict[str, dict[str, list[float]]] = {}
    start = 0
    for block in BLOCKS:
        names = feats.names[block]
        vocab[block] = {
            names[c]: [round(float(design.idf[block][k]), 4)]
            + [round(float(v), 4) for v in wmat[start + k]]
            for k, c in enumerate(design.cols[block])
        }
        start += len(design.cols[block])
    thresholds = list(recipe.offsets[:n_cat])
    return LinearModel(
        categories=[CLAUDETTE_CODES[c] for c in CODES[:n_cat]],
        vocab=vocab,
        bias=[round(float(b), 4) for b in biases],
        thresholds=[round(t, 4) for t in thresholds],
        low_thresholds=[round(t - LOW_MARGIN, 4) for t in thresholds],
        scales=dict(SCALES),
        sublinear={b: design.sublinear(b) for b in BLOCKS},
        char_min=recipe.char_min,
    )


def train(
    feats: Features,
    labels: np.ndarray,
    groups: Sequence[str],
    rows: np.ndarray | None = None,
    inner_folds: int = INNER_FOLDS,
    thresholds: Sequence[float] = THRESHOLDS,
) -> tuple[LinearModel, Selection]:
    """The whole procedure on ``rows``: select the recipe by inner grouped CV, then fit it."""
    sel = select(feats, labels, groups, rows, inner_folds, thresholds=thresholds)
    return fit(feats, labels, sel.recipe, rows), sel


def describe_config(key: tuple[Config, float]) -> str:
    (cm, cap, c, l2), offset = key
    capt = "all" if cap is None else str(cap)
    norm = " sublinear L2" if l2 else ""
    return f"char {cm}-5{norm}, features {capt}, C {c:g}, threshold {offset:+.1f}"


def describe_grid(sel: Selection) -> list[str]:
    ranked = sorted(sel.scores.items(), key=lambda kv: -kv[1])
    return [f"  {describe_config(key)}  inner macro-F1 {s:.3f}" for key, s in ranked]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    ap.add_argument("--out", default=str(ROOT / "monitor" / "data" / "clause_model.json"))
    ap.add_argument("--inner-folds", type=int, default=INNER_FOLDS)
    args = ap.parse_args()
    t0 = time.perf_counter()
    corpus = load_claudette(Path(args.data))
    feats = Features(corpus.sentences)
    model, sel = train(feats, corpus.labels, corpus.groups, inner_folds=args.inner_folds)
    data = model.to_json()
    data["training"] = {
        "recipe": sel.recipe.describe(),
        "selection": f"{sel.folds}-fold cross-validation grouped by service, {sel.services} services",
        "inner_macro_f1": {describe_config(key): round(s, 4) for key, s in sel.scores.items()},
    }
    Path(args.out).write_text(json.dumps(data, separators=(",", ":")), "utf-8")
    size = Path(args.out).stat().st_size
    nfeat = sum(len(v) for v in model.vocab.values())
    print(f"selection ({sel.folds} inner folds grouped by service):")
    print("\n".join(describe_grid(sel)))
    print(f"chosen: {sel.recipe.describe()}")
    print(f"wrote {args.out}: {nfeat} features, {size / 1e6:.2f} MB")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
