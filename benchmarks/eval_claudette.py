"""Unfair-clause detection on CLAUDETTE by nested cross-validation grouped by service, plus speed.

Usage: .venv/bin/python benchmarks/eval_claudette.py [CLAUDETTE_DIR] [--folds 5] [--inner-folds 4]

Outer folds hold out whole services. In each, the training script's whole procedure runs on the
outer training services only: the recipe (features, cap, C; with --offsets also one shared unfair threshold) is chosen by
an inner cross-validation grouped by service (``train_clause_model.select``), trained on all the
outer training sentences and exported as the runtime model; the outer test services are then
classified through ``classify.analyse`` (rules + that model, as shipped; a category predicted with
unfair=False counts as not predicted). Test services are never seen by training or selection.

The baseline is one plain configuration fixed in advance and trained on the same outer training
sentences: scikit-learn TF-IDF word 1-2-grams + char_wb 2-5-grams (sublinear tf, min_df 2, each
block L2-normalised) and one LinearSVC(C=1, class_weight="balanced") per category, margin 0.

Reported: per-category precision/recall/F1 and macro-F1 over the 8 categories on all outer test
predictions pooled; macro-F1 per outer fold (over the categories with a positive sentence in the
fold) for both and their difference; and 95% bootstrap intervals by service (services resampled
with replacement; the same resample for both, so the difference's interval is paired).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic_terms import synthetic_terms  # noqa: E402
from train_clause_model import (  # noqa: E402
    CODES,
    EVAL_CODES,
    INNER_FOLDS,
    OFFSETS,
    THRESHOLDS,
    Corpus,
    Features,
    describe_config,
    describe_grid,
    inner_macro_f1,
    load_claudette,
    predict_unfair,
    select,
    train,
)

from monitor.clauses import clear_cache, extract_provisions, segment  # noqa: E402
from monitor.clauses.classify import analyse  # noqa: E402
from monitor.clauses.model import CLAUDETTE_CODES, LinearModel  # noqa: E402

EVAL_IDX = [CODES.index(c) for c in EVAL_CODES]


def prf(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float, int]:
    tp = int((y & p).sum())
    fp = int((~y & p).sum())
    fn = int((y & ~p).sum())
    pr = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
    return pr, rc, f1, int(y.sum())


def macro_f1(y: np.ndarray, p: np.ndarray) -> float:
    """Mean F1 over the evaluated categories that have a positive sentence in ``y``."""
    f1s = [prf(y[:, j] == 1, p[:, j] == 1)[2] for j in EVAL_IDX if y[:, j].any()]
    return float(np.mean(f1s)) if f1s else 0.0


def report(name: str, y: np.ndarray, p: np.ndarray) -> float:
    print(f"\n{name}")
    print(f"  {'category':28s} {'prec':>6s} {'rec':>6s} {'F1':>6s} {'support':>8s}")
    for code, j in zip(EVAL_CODES, EVAL_IDX, strict=True):
        pr, rc, f1, sup = prf(y[:, j] == 1, p[:, j] == 1)
        print(f"  {code + ' ' + CLAUDETTE_CODES[code]:28s} {pr:6.3f} {rc:6.3f} {f1:6.3f} {sup:8d}")
    macro = macro_f1(y, p)
    print(f"  {'macro-F1 (8 categories)':28s} {'':6s} {'':6s} {macro:6.3f}")
    return macro


def baseline_predict(train_texts: list[str], y: np.ndarray, test_texts: list[str]) -> np.ndarray:
    """The fixed baseline: TF-IDF word 1-2 + char_wb 2-5, one LinearSVC(C=1, balanced) each."""
    vw = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    vc = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    xtr = sparse.hstack([vw.fit_transform(train_texts), vc.fit_transform(train_texts)]).tocsr()
    xte = sparse.hstack([vw.transform(test_texts), vc.transform(test_texts)]).tocsr()
    out = np.zeros((len(test_texts), y.shape[1]), dtype=int)
    for j in range(y.shape[1]):
        if y[:, j].sum() == 0:
            continue
        svm = LinearSVC(C=1.0, class_weight="balanced").fit(xtr, y[:, j])
        out[:, j] = (svm.decision_function(xte) > 0).astype(int)
    return out


def model_predict(model: LinearModel, texts: list[str]) -> np.ndarray:
    """Unfair decisions of the shipped path (rules + ``model``) for each text."""
    out = np.zeros((len(texts), len(CODES)), dtype=int)
    for i, text in enumerate(texts):
        for c in analyse(text, model).categories:
            if c.unfair and c.category in model.categories:
                out[i, model.categories.index(c.category)] = 1
    return out


def service_counts(y: np.ndarray, p: np.ndarray, groups: np.ndarray, services: list[str]):
    """tp, fp, fn per service and evaluated category: arrays (n_services, n_categories)."""
    yy = y[:, EVAL_IDX] == 1
    pp = p[:, EVAL_IDX] == 1
    out = []
    for arr in (yy & pp, ~yy & pp, yy & ~pp):
        out.append(np.vstack([arr[groups == s].sum(axis=0) for s in services]).astype(float))
    return out


def bootstrap_by_service(
    counts_a: list[np.ndarray], counts_b: list[np.ndarray], n_boot: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Macro-F1 of a and b on ``n_boot`` resamples of the services (with replacement, the same
    resamples for both); a category without a positive in a resample is left out of its mean."""
    n_services = counts_a[0].shape[0]
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n_services, np.full(n_services, 1.0 / n_services), size=n_boot)

    def macro(counts: list[np.ndarray]) -> np.ndarray:
        tp, fp, fn = (weights @ c for c in counts)
        den = 2 * tp + fp + fn
        f1 = np.divide(2 * tp, den, out=np.zeros_like(tp), where=tp > 0)
        present = (tp + fn) > 0
        return (f1 * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1)

    return macro(counts_a), macro(counts_b)


def speed(repeats: int = 30) -> None:
    """Median time of ``extract_provisions`` on a 50 KB document.

    warm: the clause-classification cache holds the document's clauses (re-checking a version,
    importing a history whose versions share most clauses); cold: the cache is cleared before
    every run, so each distinct clause text is classified once.
    """
    doc = synthetic_terms(50_000)
    extract_provisions(doc, "Terms of Service")  # warm caches (model, regexes)
    warm, cold = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        provs = extract_provisions(doc, "Terms of Service")
        warm.append((time.perf_counter() - t0) * 1000)
        clear_cache()
        t0 = time.perf_counter()
        extract_provisions(doc, "Terms of Service")
        cold.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(warm)
    n_clauses = len(segment(doc))
    n_unique = len({c.text for c in segment(doc)})
    print(
        f"\nspeed: extract_provisions on a synthetic {len(doc.encode()) / 1000:.0f} KB terms document "
        f"({n_clauses} clauses, {n_unique} distinct): median {med:.1f} ms over {repeats} runs "
        f"({len(provs)} provisions; budget 50 ms, ratio {med / 50:.2f} of budget); "
        f"cold cache {statistics.median(cold):.1f} ms"
    )
    uniq = synthetic_terms(50_000, distinct=True)
    times = []
    for _ in range(max(3, repeats // 5)):
        clear_cache()
        t0 = time.perf_counter()
        extract_provisions(uniq, "Terms of Service")
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"speed: the same document with every clause text distinct ({len(segment(uniq))} clauses), "
        f"cold cache: median {statistics.median(times):.1f} ms"
    )


def inner_diagnosis(corpus: Corpus, feats: Features, inner_folds: int) -> None:
    """Inside the selection's own folds on all services (no outer test services: a diagnosis of
    the candidates, never a choice): each candidate with and without the rules' adjustments, and
    the baseline trained on the same inner folds."""
    n = len(corpus.sentences)
    y = corpus.labels
    sel = select(feats, y, corpus.groups, inner_folds=inner_folds)
    base = np.zeros_like(y)
    groups = np.asarray(corpus.groups)
    for tr, te in GroupKFold(n_splits=sel.folds).split(np.zeros(n), groups=groups):
        base[te] = baseline_predict(
            [corpus.sentences[i] for i in tr], y[tr], [corpus.sentences[i] for i in te]
        )
    yb = y.astype(bool)
    rows = np.arange(n)
    print(
        f"\ninner diagnosis ({sel.folds} folds grouped by service over all {sel.services} services):"
    )
    print(f"  {'candidate':52s} {'rules':>6s} {'no rules':>8s}")
    for cfg, m in sel.margins.items():
        with_rules = inner_macro_f1(yb, predict_unfair(m, feats, rows, 0.0))
        without = inner_macro_f1(yb, m >= 0.0)
        print(f"  {describe_config((cfg, 0.0)):52s} {with_rules:6.3f} {without:8.3f}")
    print(
        f"  {'baseline (scikit-learn, no rules)':52s} {'':6s} {inner_macro_f1(yb, base == 1):8.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "data", nargs="?", default=str(ROOT.parent / "shared" / "data" / "claudette-en")
    )
    ap.add_argument("--folds", type=int, default=5, help="outer folds, grouped by service")
    ap.add_argument("--inner-folds", type=int, default=INNER_FOLDS)
    ap.add_argument("--bootstrap", type=int, default=5000, help="resamples of the services")
    ap.add_argument("--skip-cv", action="store_true", help="only run the speed benchmark")
    ap.add_argument(
        "--inner-diagnosis",
        action="store_true",
        help="only score every candidate with and without the rules, and the baseline, in the "
        "selection's inner folds over all services",
    )
    ap.add_argument(
        "--offsets",
        action="store_true",
        help="let the inner folds also choose a shared unfair threshold among OFFSETS "
        "(the first run of issue 13; lost on unseen services)",
    )
    args = ap.parse_args()
    # the baseline keeps scikit-learn's default tolerance and iterations, and says when they run out
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    if args.inner_diagnosis:
        corpus = load_claudette(Path(args.data))
        inner_diagnosis(corpus, Features(corpus.sentences), args.inner_folds)
        return
    if not args.skip_cv:
        t0 = time.perf_counter()
        corpus = load_claudette(Path(args.data))
        n = len(corpus.sentences)
        groups = np.array(corpus.groups)
        services = sorted(set(corpus.groups))
        print(
            f"CLAUDETTE: {n} sentences, {len(services)} services; nested cross-validation: "
            f"{args.folds} outer folds by service, {args.inner_folds} inner folds by service"
        )
        feats = Features(corpus.sentences)
        offsets = OFFSETS if args.offsets else THRESHOLDS
        y = corpus.labels
        pred = np.zeros_like(y)
        base = np.zeros_like(y)
        per_fold: list[tuple[int, int, float, float]] = []
        gkf = GroupKFold(n_splits=args.folds)
        for k, (tr, te) in enumerate(gkf.split(np.zeros(n), groups=groups), 1):
            model, sel = train(
                feats, y, corpus.groups, rows=tr, inner_folds=args.inner_folds, thresholds=offsets
            )
            test_texts = [corpus.sentences[i] for i in te]
            pred[te] = model_predict(model, test_texts)
            base[te] = baseline_predict([corpus.sentences[i] for i in tr], y[tr], test_texts)
            m1, m0 = macro_f1(y[te], pred[te]), macro_f1(y[te], base[te])
            per_fold.append((len(set(groups[te])), len(te), m1, m0))
            print(
                f"  fold {k}/{args.folds} ({len(set(groups[te]))} test services, {len(te)} "
                f"sentences): chosen {sel.recipe.describe()}; macro-F1 {m1:.3f} vs baseline "
                f"{m0:.3f} ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
            print("\n".join("    " + line for line in describe_grid(sel)), flush=True)
        m1 = report(
            "ClauseWatch: selected recipe (rules + linear model), nested by service", y, pred
        )
        m0 = report("Baseline: TF-IDF word 1-2 + char_wb 2-5, LinearSVC (C=1, balanced)", y, base)
        print("\nper outer fold (macro-F1 over the categories present in the fold):")
        print(
            f"  {'fold':>4s} {'services':>8s} {'sentences':>9s} {'CW':>6s} {'base':>6s} {'diff':>7s}"
        )
        for k, (ns, nt, a, b) in enumerate(per_fold, 1):
            print(f"  {k:4d} {ns:8d} {nt:9d} {a:6.3f} {b:6.3f} {a - b:+7.3f}")
        diffs = [a - b for _, _, a, b in per_fold]
        print(
            f"  mean {'':13s} {np.mean([a for _, _, a, _ in per_fold]):6.3f} "
            f"{np.mean([b for _, _, _, b in per_fold]):6.3f} {np.mean(diffs):+7.3f} "
            f"(sd of the difference {np.std(diffs, ddof=1):.3f}; "
            f"ClauseWatch ahead in {sum(d > 0 for d in diffs)} of {len(diffs)} folds)"
        )
        ca = service_counts(y, pred, groups, services)
        cb = service_counts(y, base, groups, services)
        ba, bb = bootstrap_by_service(ca, cb, args.bootstrap)
        d = ba - bb

        def ci(v: np.ndarray) -> str:
            lo, hi = np.percentile(v, [2.5, 97.5])
            return f"[{lo:.3f}, {hi:.3f}]"

        print(
            f"\npooled macro-F1: ClauseWatch {m1:.4f} {ci(ba)} vs baseline {m0:.4f} {ci(bb)}; "
            f"difference {m1 - m0:+.4f} {ci(d)} (95% intervals, {args.bootstrap} bootstrap "
            f"resamples of the {len(services)} services; difference < 0 in "
            f"{(d < 0).mean():.0%} of them)"
        )
        print(f"nested cross-validation: {time.perf_counter() - t0:.0f} s")
    speed()


if __name__ == "__main__":
    main()
