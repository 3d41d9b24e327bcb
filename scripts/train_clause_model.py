"""Train the clause model on CLAUDETTE and export it to monitor/data/clause_model.json.

Offline only (scikit-learn). Usage:
    .venv/bin/python scripts/train_clause_model.py [CLAUDETTE_DIR] [--out monitor/data/clause_model.json]

Positive example of a category = the sentence carries its code with degree 2 or 3. Features are the
runtime features (``monitor.clauses.model.features``: word uni/bigrams + rule hits). Per-category
thresholds are tuned on out-of-fold margins of an inner cross-validation grouped by service, so an
outer evaluation (benchmarks/eval_claudette.py) never sees test services while tuning.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.clauses.classify import fired_rules  # noqa: E402
from monitor.clauses.model import CLAUDETTE_CODES, LinearModel, features, tokenize  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "claudette-en"
CODES = list(CLAUDETTE_CODES)  # a ch cr j law ltd ter use pinc
MIN_DF = 2
C = 4.0
LOW_MARGIN = 1.0  # category recognised (maybe fair) this far below the unfair threshold


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


def sentence_features(sentences: Sequence[str]) -> list[set[str]]:
    out = []
    for s in sentences:
        lower = s.lower()
        toks = tokenize(lower)
        out.append(features(toks, [r.id for r in fired_rules(lower, toks)]))
    return out


def _matrix(feats: Sequence[set[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    rows, cols = [], []
    for i, fs in enumerate(feats):
        for f in fs:
            j = vocab.get(f)
            if j is not None:
                rows.append(i)
                cols.append(j)
    data = np.ones(len(rows))
    m = sparse.csr_matrix((data, (rows, cols)), shape=(len(feats), len(vocab)))
    counts = np.asarray(m.sum(axis=1)).ravel()
    counts[counts == 0] = 1
    return sparse.diags(1.0 / np.sqrt(counts)) @ m


def _vocab(feats: Sequence[set[str]]) -> dict[str, int]:
    df: Counter[str] = Counter()
    for fs in feats:
        df.update(fs)
    keep = sorted(f for f, n in df.items() if n >= MIN_DF or f.startswith("R:"))
    return {f: i for i, f in enumerate(keep)}


def _fit(x: sparse.csr_matrix, y: np.ndarray) -> tuple[np.ndarray, float]:
    if y.sum() == 0:
        return np.zeros(x.shape[1]), -10.0
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear")
    clf.fit(x, y)
    return clf.coef_.ravel(), float(clf.intercept_[0])


def _best_threshold(margins: np.ndarray, y: np.ndarray) -> float:
    if y.sum() == 0:
        return 10.0
    order = np.sort(np.unique(margins))
    best_t, best_f = 0.0, -1.0
    cands = np.quantile(order, np.linspace(0.5, 1.0, 400)) if len(order) > 400 else order
    for t in cands:
        pred = margins >= t
        tp = float((pred & (y == 1)).sum())
        fp = float((pred & (y == 0)).sum())
        fn = float((~pred & (y == 1)).sum())
        f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f > best_f:
            best_f, best_t = f, float(t)
    return best_t


def train(
    feats: Sequence[set[str]], labels: np.ndarray, groups: Sequence[str], inner_folds: int = 4
) -> LinearModel:
    """Fit one logistic regression per category; tune thresholds on inner grouped folds."""
    n_cat = labels.shape[1]
    # inner out-of-fold margins for threshold tuning
    oof = np.zeros(labels.shape)
    gkf = GroupKFold(n_splits=min(inner_folds, len(set(groups))))
    for tr, te in gkf.split(np.zeros(len(feats)), groups=groups):
        vocab = _vocab([feats[i] for i in tr])
        xtr = _matrix([feats[i] for i in tr], vocab)
        xte = _matrix([feats[i] for i in te], vocab)
        for j in range(n_cat):
            w, b = _fit(xtr, labels[tr, j])
            oof[te, j] = xte @ w + b
    thresholds = [_best_threshold(oof[:, j], labels[:, j]) for j in range(n_cat)]

    vocab = _vocab(feats)
    x = _matrix(feats, vocab)
    coefs, biases = [], []
    for j in range(n_cat):
        w, b = _fit(x, labels[:, j])
        coefs.append(w)
        biases.append(b)
    wmat = np.vstack(coefs).T  # (n_feat, n_cat)
    # prune features that matter to no category, then refit on the pruned vocabulary so the
    # runtime normalisation (over known features) equals the training one
    keep = np.abs(wmat).max(axis=1) >= 0.05
    names = [f for f, i in sorted(vocab.items(), key=lambda kv: kv[1]) if keep[i]]
    vocab2 = {f: i for i, f in enumerate(names)}
    x2 = _matrix(feats, vocab2)
    coefs, biases = [], []
    for j in range(n_cat):
        w, b = _fit(x2, labels[:, j])
        coefs.append(w)
        biases.append(b)
    wmat = np.vstack(coefs).T
    weights = {f: [round(float(v), 4) for v in wmat[i]] for f, i in vocab2.items()}
    return LinearModel(
        categories=[CLAUDETTE_CODES[c] for c in CODES[:n_cat]],
        weights=weights,
        bias=[round(b, 4) for b in biases],
        thresholds=[round(t, 4) for t in thresholds],
        low_thresholds=[round(t - LOW_MARGIN, 4) for t in thresholds],
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    ap.add_argument("--out", default=str(ROOT / "monitor" / "data" / "clause_model.json"))
    args = ap.parse_args()
    corpus = load_claudette(Path(args.data))
    feats = sentence_features(corpus.sentences)
    model = train(feats, corpus.labels, corpus.groups)
    Path(args.out).write_text(json.dumps(model.to_json(), separators=(",", ":")), "utf-8")
    size = Path(args.out).stat().st_size
    print(f"wrote {args.out}: {len(model.weights)} features, {size / 1e6:.2f} MB")
    for c, t in zip(model.categories, model.thresholds, strict=True):
        print(f"  {c:30s} threshold {t:+.3f}")


if __name__ == "__main__":
    main()
