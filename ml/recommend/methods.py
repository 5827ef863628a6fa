"""Recommendation methods behind one interface: ``fit(data, catalogue, groups)`` then
``scores(rows, groups)``, a dense (len(rows), products) block of scores for customers who
bought before (rows index ``Interactions.customers``); :func:`top_k` ranks them in chunks,
with the popularity of the customer's group for customers who never bought.

- ``popularity``: buyers per product in the customer's group (region), shrunk to the overall
  popularity: the baseline every other method is judged against;
- ``co_purchase``: item-to-item association rules from the products customers bought
  (support, confidence, lift); a customer's score for b sums the confidence of the rules
  a -> b over the products a they bought, the rule a -> a being the product's repeat rate;
- ``content``: products described by category, attributes and price band; a customer's
  profile is the mean description of what they bought, scored by cosine similarity;
- ``als`` / ``bpr``: matrix factorisation for implicit feedback by the ``implicit`` library.

Association rules and the content profile are a few sparse products: scikit-learn and
implicit have nothing for them that takes a catalogue's attributes or returns the rules'
support and lift, so they are written here.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ml.recommend.data import Interactions

SHRINK = 20.0  # buyers of pseudo-evidence pulling a group's popularity to the overall one


class Recommender(Protocol):
    name: str

    def fit(self, data: Interactions, catalogue: pd.DataFrame, groups: np.ndarray): ...

    def scores(self, rows: np.ndarray, groups: np.ndarray) -> np.ndarray: ...


def _buyers(data: Interactions) -> sp.csr_matrix:
    binary = data.bought.copy()
    binary.data[:] = 1.0
    return binary


class Popularity:
    name = "popularity"

    def fit(self, data: Interactions, catalogue: pd.DataFrame, groups: np.ndarray):
        binary = _buyers(data)
        overall = np.asarray(binary.sum(axis=0)).ravel()
        self.overall = overall / max(len(data.customers), 1)
        self.groups = pd.Index(pd.unique(groups))
        table = [self.overall]  # row 0: customers of a group never seen
        for group in self.groups:
            members = binary[groups == group]
            counts = np.asarray(members.sum(axis=0)).ravel()
            table.append((counts + SHRINK * self.overall) / (members.shape[0] + SHRINK))
        self.table = np.vstack(table).astype(np.float32)
        return self

    def scores(self, rows: np.ndarray, groups: np.ndarray) -> np.ndarray:
        return self.table[self.groups.get_indexer(groups) + 1]


class CoPurchase:
    name = "co_purchase"

    def __init__(self, min_count: int = 3):
        self.min_count = min_count  # customers who bought both: a rule's minimum support

    def fit(self, data: Interactions, catalogue: pd.DataFrame, groups: np.ndarray):
        binary = _buyers(data)
        self.binary = binary
        n = max(binary.shape[0], 1)
        together = (binary.T @ binary).tocoo()
        buyers = np.asarray(binary.sum(axis=0)).ravel()
        a, b, count = together.row, together.col, together.data
        confidence = count / buyers[a]
        lift = confidence / (buyers[b] / n)
        keep = (a != b) & (count >= self.min_count) & (lift > 1)
        self.rules = pd.DataFrame(
            {
                "antecedent": data.products[a[keep]],
                "consequent": data.products[b[keep]],
                "support": count[keep] / n,
                "confidence": confidence[keep],
                "lift": lift[keep],
            }
        )
        repeat = np.asarray((data.bought >= 2).sum(axis=0)).ravel() / np.maximum(buyers, 1)
        rule = sp.csr_matrix((confidence[keep], (a[keep], b[keep])), shape=together.shape)
        self.rule_matrix = (rule + sp.diags(repeat)).tocsr().astype(np.float32)
        self.tie_break = 1e-6 * buyers / n  # popular first among products with equal rules
        return self

    def scores(self, rows: np.ndarray, groups: np.ndarray) -> np.ndarray:
        block = (self.binary[rows] @ self.rule_matrix).toarray()
        return (block + self.tie_break).astype(np.float32)


def item_features(catalogue: pd.DataFrame) -> sp.csr_matrix:
    """One-hot category, attr_* values (numbers by quartile) and price quintile, each row of
    unit length."""
    parts = [catalogue["category"].astype(str).rename("category")]
    for column in [c for c in catalogue.columns if c.lower().startswith("attr_")] + ["price"]:
        if column not in catalogue:
            continue
        values = catalogue[column]
        if pd.api.types.is_numeric_dtype(values) and values.nunique() > 5:
            values = pd.qcut(values, 5 if column == "price" else 4, duplicates="drop")
        parts.append(values.astype(str).where(values.notna(), "").rename(column))
    encoded = pd.get_dummies(pd.concat(parts, axis=1), sparse=False, dtype=np.float32)
    matrix = sp.csr_matrix(encoded.to_numpy())
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sp.diags(1 / np.maximum(norms, 1e-12)) @ matrix


class ContentBased:
    name = "content"

    def fit(self, data: Interactions, catalogue: pd.DataFrame, groups: np.ndarray):
        self.bought = data.bought
        self.features = item_features(catalogue).astype(np.float32)
        buyers = np.asarray(_buyers(data).sum(axis=0)).ravel()
        self.tie_break = 1e-4 * buyers / max(buyers.max(initial=0), 1)
        return self

    def scores(self, rows: np.ndarray, groups: np.ndarray) -> np.ndarray:
        profile = (self.bought[rows] @ self.features).toarray()
        profile /= np.maximum(np.linalg.norm(profile, axis=1, keepdims=True), 1e-12)
        return (self.features @ profile.T).T.astype(np.float32) + self.tie_break


class Factorisation:
    """ALS or BPR from ``implicit`` (CPU), fitted under a one-thread BLAS limit as implicit
    asks (its own threads do the work)."""

    def __init__(self, name: str, factors: int = 64, iterations: int = 20, seed: int = 0):
        self.name, self.factors, self.iterations, self.seed = name, factors, iterations, seed

    def fit(self, data: Interactions, catalogue: pd.DataFrame, groups: np.ndarray):
        from implicit.cpu.als import AlternatingLeastSquares
        from implicit.cpu.bpr import BayesianPersonalizedRanking
        from implicit.nearest_neighbours import bm25_weight

        with threadpool_limits(1, "blas"):  # implicit checks the limit when built
            if self.name == "als":
                model = AlternatingLeastSquares(
                    factors=self.factors,
                    regularization=0.05,
                    iterations=self.iterations,
                    random_state=self.seed,
                )
                weighted = bm25_weight(data.bought, K1=100, B=0.8).tocsr().astype(np.float32)
            else:
                model = BayesianPersonalizedRanking(
                    factors=self.factors,
                    learning_rate=0.05,
                    regularization=0.01,
                    iterations=self.iterations * 5,
                    random_state=self.seed,
                )
                weighted = data.bought
            model.fit(weighted, show_progress=False)
        self.users, self.items = model.user_factors, model.item_factors
        return self

    def scores(self, rows: np.ndarray, groups: np.ndarray) -> np.ndarray:
        return (self.users[rows] @ self.items.T).astype(np.float32)


def make(name: str, seed: int = 0) -> Recommender:
    return {
        "popularity": Popularity,
        "co_purchase": CoPurchase,
        "content": ContentBased,
        "als": lambda: Factorisation("als", seed=seed),
        "bpr": lambda: Factorisation("bpr", seed=seed),
    }[name]()


METHODS = ("popularity", "co_purchase", "content", "als", "bpr")


def top_k(
    method: Recommender,
    fallback: Popularity,
    rows: np.ndarray,
    groups: np.ndarray,
    k: int,
    exclude: sp.csr_matrix,
    chunk: int = 4096,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k best products per customer: product columns (n, k), their scores, and whether
    the method itself (True) or the popularity fallback (a customer with no purchase before
    the cut-off) ranked them. Excluded products (``exclude``, rows as ``Interactions``) never
    appear."""
    n, k = len(rows), min(k, exclude.shape[1])
    items = np.zeros((n, k), dtype=np.int64)
    values = np.zeros((n, k), dtype=np.float32)
    warm = rows >= 0
    for start in range(0, n, chunk):
        part = slice(start, min(start + chunk, n))
        r, g, w = rows[part], groups[part], warm[part]
        if w.all():
            block = method.scores(r, g)
        else:
            block = fallback.scores(r, g)
            if w.any():
                block[w] = method.scores(r[w], g[w])
        if w.any():
            banned = exclude[r[w]].tocoo()
            block[np.flatnonzero(w)[banned.row], banned.col] = -np.inf
        best = np.argpartition(-block, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(block, best, axis=1), axis=1, kind="stable")
        items[part] = np.take_along_axis(best, order, axis=1)
        values[part] = np.take_along_axis(block, items[part], axis=1)
    return items, values, warm
