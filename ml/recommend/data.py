"""Interactions for the product recommender: who bought what before a cut-off, as sparse
customer x product matrices, and what each customer bought after it (to evaluate).

Input frames (read from the order_lines and product_catalogue marts by the service):
``lines``: customer_key, product_id, ordered_at, order_id, category, quantity;
``catalogue``: product_id, category, optional price, product_name and attr_* columns.
Nothing dated at or after the cut-off enters a training matrix (the point-in-time rule of the
features applies to recommendations too: tests/unit/ml/test_recommend.py proves it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import scipy.sparse as sp

CUSTOMER, PRODUCT, AT, ORDER = "customer_key", "product_id", "ordered_at", "order_id"


@dataclass(frozen=True)
class Interactions:
    """Purchases before ``cutoff``, indexed: rows are ``customers``, columns ``products``."""

    customers: pd.Index  # customer_key per row
    products: pd.Index  # product_id per column (the whole catalogue)
    bought: sp.csr_matrix  # orders that carried the product (counts), float32
    recent: sp.csr_matrix  # 1 where the product was bought within the recent window
    categories: np.ndarray  # category of each product
    cutoff: datetime

    @property
    def n_products(self) -> int:
        return len(self.products)

    def rows_of(self, keys: pd.Series | pd.Index) -> np.ndarray:
        """Row index of each key, -1 for customers with no purchase before the cut-off."""
        return self.customers.get_indexer(pd.Index(keys))


def _matrix(frame: pd.DataFrame, customers: pd.Index, products: pd.Index) -> sp.csr_matrix:
    rows = customers.get_indexer(frame[CUSTOMER])
    cols = products.get_indexer(frame[PRODUCT])
    keep = (rows >= 0) & (cols >= 0)
    data = np.ones(int(keep.sum()), dtype=np.float32)
    shape = (len(customers), len(products))
    matrix = sp.coo_matrix((data, (rows[keep], cols[keep])), shape=shape).tocsr()
    matrix.sum_duplicates()
    return matrix


def interactions(
    lines: pd.DataFrame,
    catalogue: pd.DataFrame,
    cutoff: datetime,
    recent_days: int,
) -> Interactions:
    """The purchases strictly before ``cutoff`` (one count per order and product)."""
    before = lines[lines[AT] < pd.Timestamp(cutoff)]
    before = before.drop_duplicates([ORDER, PRODUCT]) if ORDER in before else before
    customers = pd.Index(np.sort(before[CUSTOMER].unique()), name=CUSTOMER)
    products = pd.Index(catalogue[PRODUCT].astype(str), name=PRODUCT)
    recent_from = pd.Timestamp(cutoff - timedelta(days=recent_days))
    recent = _matrix(before[before[AT] >= recent_from], customers, products)
    recent.data[:] = 1.0
    return Interactions(
        customers,
        products,
        _matrix(before, customers, products),
        recent,
        catalogue["category"].astype(str).to_numpy(),
        cutoff,
    )


def repeat_categories(data: Interactions, min_repeat_share: float) -> frozenset[str]:
    """Categories whose products customers buy again (consumables): among the customer-product
    pairs of the category, the share bought in two orders or more is at least
    ``min_repeat_share``. Only these may be recommended again soon after a purchase."""
    coo = data.bought.tocoo()
    pairs = pd.DataFrame({"category": data.categories[coo.col], "repeat": coo.data >= 2})
    share = pairs.groupby("category")["repeat"].mean()
    return frozenset(share[share >= min_repeat_share].index.astype(str))


def exclusions(data: Interactions, repeat: frozenset[str]) -> sp.csr_matrix:
    """Per customer, the products not to recommend: bought within the recent window, unless
    their category repeats."""
    recent = data.recent.tocoo()
    keep = ~np.isin(data.categories[recent.col], list(repeat))
    return sp.csr_matrix(
        (recent.data[keep], (recent.row[keep], recent.col[keep])), shape=recent.shape
    )


def future_purchases(
    lines: pd.DataFrame, cutoff: datetime, horizon_days: int, products: pd.Index
) -> pd.Series:
    """The products each customer bought in [cutoff, cutoff + horizon): the relevant items an
    evaluation counts as hits, as product column indexes per customer_key."""
    start = pd.Timestamp(cutoff)
    window = lines[(lines[AT] >= start) & (lines[AT] < start + pd.Timedelta(days=horizon_days))]
    cols = products.get_indexer(window[PRODUCT])
    window = window.assign(_col=cols)[cols >= 0].drop_duplicates([CUSTOMER, "_col"])
    grouped = window.groupby(CUSTOMER)["_col"]
    return pd.Series({key: np.sort(c.to_numpy()) for key, c in grouped}, dtype=object)


def holdout_cutoff(lines: pd.DataFrame, horizon_days: int) -> datetime:
    """The evaluation cut-off: ``horizon_days`` before the newest purchase."""
    newest = pd.Timestamp(lines[AT].max())
    return (newest - pd.Timedelta(days=horizon_days)).to_pydatetime()
