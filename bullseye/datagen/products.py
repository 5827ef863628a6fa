"""A product catalogue and the lines of every order, drawn from known true preferences.

Each product has a hidden taste vector (near its brand's: brands are visible as
``attr_brand``, so content-based methods have something to find) and a popularity; each
customer has a hidden taste vector. An order of category c holds 1-3 distinct products of c,
drawn without replacement with probability proportional to
``exp(popularity + STRENGTH * taste . vector)`` (the Gumbel top-k trick), and now and then the
product's complement from another category (what co-purchase rules should find). The true
top products of each customer (category affinity times that choice probability) go to the
ground truth, so a recommender can be judged against what customers really prefer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bullseye.datagen.world import CATEGORIES, Orders

TASTE_DIM = 8
STRENGTH = 1.6  # weight of personal taste against popularity in the choice
COMPLEMENT_SHARE = 0.3  # orders that also carry their first product's complement
BRANDS = np.array([f"brand_{i:02d}" for i in range(24)])
COLOURS = np.array(["black", "white", "red", "blue", "green", "grey"])
TRUE_TOP = 10


@dataclass(frozen=True)
class Catalogue:
    product_id: np.ndarray  # str
    category: np.ndarray  # index into CATEGORIES
    brand: np.ndarray  # index into BRANDS
    colour: np.ndarray  # index into COLOURS
    price: np.ndarray
    vector: np.ndarray  # (products, TASTE_DIM), hidden
    popularity: np.ndarray  # log weight, hidden
    complement: np.ndarray  # index of the product often bought with this one

    def table(self) -> pa.Table:
        return pa.table(
            {
                "product_id": self.product_id,
                "name": [
                    f"{BRANDS[b]} {CATEGORIES[c]} {i}"
                    for i, (b, c) in enumerate(zip(self.brand, self.category, strict=True))
                ],
                "category": CATEGORIES[self.category],
                "price": self.price,
                "attr_brand": BRANDS[self.brand],
                "attr_colour": COLOURS[self.colour],
            }
        )


def make_catalogue(seed: int, products: int) -> Catalogue:
    rng = np.random.default_rng([seed, 7_001])
    category = rng.permutation(np.arange(products) % len(CATEGORIES))
    brand = rng.integers(0, len(BRANDS), products)
    brand_taste = rng.normal(0, 1, (len(BRANDS), TASTE_DIM))
    vector = (0.7 * brand_taste[brand] + 0.7 * rng.normal(0, 1, (products, TASTE_DIM))) / np.sqrt(
        TASTE_DIM
    )
    base_price = np.exp(rng.normal(3.0, 0.4, len(CATEGORIES)))
    complement = rng.integers(0, products - 1, products)
    complement = np.where(complement >= np.arange(products), complement + 1, complement)
    return Catalogue(
        product_id=np.array([f"P{i:05d}" for i in range(products)]),
        category=category,
        brand=brand,
        colour=rng.integers(0, len(COLOURS), products),
        price=np.round(base_price[category] * np.exp(rng.normal(0, 0.5, products)), 2),
        vector=vector,
        popularity=rng.normal(0, 1.0, products),
        complement=complement,
    )


def customer_tastes(seed: int, chunk: int, customers: int) -> np.ndarray:
    """Hidden taste vectors of one chunk's customers (their own stream: the other tables of
    the chunk come out as they did before products existed)."""
    return np.random.default_rng([seed, chunk, 7_002]).normal(0, 1, (customers, TASTE_DIM))


def _utility(tastes: np.ndarray, catalogue: Catalogue, items: np.ndarray) -> np.ndarray:
    return catalogue.popularity[items] + STRENGTH * tastes @ catalogue.vector[items].T


def order_lines(
    seed: int, chunk: int, orders: Orders, tastes: np.ndarray, catalogue: Catalogue
) -> dict[str, np.ndarray]:
    """Order index, product index and quantity of every line of the chunk's orders."""
    rng = np.random.default_rng([seed, chunk, 7_003])
    order_parts, product_parts = [], []
    for c in range(len(CATEGORIES)):
        which = np.flatnonzero(orders.category == c)
        items = np.flatnonzero(catalogue.category == c)
        if not len(which) or not len(items):
            continue
        noisy = _utility(tastes[orders.customer[which]], catalogue, items)
        noisy += rng.gumbel(size=noisy.shape)
        top = np.argsort(-noisy, axis=1)[:, :3]
        size = np.minimum(1 + rng.poisson(0.5, len(which)), min(3, len(items)))
        keep = np.arange(3)[None, : top.shape[1]] < size[:, None]
        order_parts.append(np.broadcast_to(which[:, None], top.shape)[keep])
        product_parts.append(items[top][keep])
    order = np.concatenate(order_parts) if order_parts else np.array([], dtype=np.int64)
    product = np.concatenate(product_parts) if product_parts else np.array([], dtype=np.int64)
    # The complement of an order's first line, now and then (never a product already in it).
    first = np.unique(order, return_index=True)[1]
    adds = first[rng.random(len(first)) < COMPLEMENT_SHARE]
    extra_order, extra_product = order[adds], catalogue.complement[product[adds]]
    lines = np.concatenate([order, extra_order]), np.concatenate([product, extra_product])
    keys = np.unique(np.stack(lines, axis=1), axis=0)  # one line per order and product
    return {
        "order": keys[:, 0],
        "product": keys[:, 1],
        "quantity": 1 + rng.poisson(0.3, len(keys)),
    }


def true_preferences(
    tastes: np.ndarray, affinity: np.ndarray, catalogue: Catalogue, batch: int = 4_096
) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's TRUE_TOP products by true purchase probability (category affinity
    times the choice probability within the category): (customer index, product index) pairs
    in rank order. Customers in batches: a batch x catalogue block at a time."""
    k = min(TRUE_TOP, len(catalogue.product_id))
    tops = [
        _true_top(tastes[start : start + batch], affinity[start : start + batch], catalogue, k)
        for start in range(0, len(tastes), batch)
    ]
    top = np.concatenate(tops) if tops else np.empty((0, k), dtype=np.int64)
    return np.repeat(np.arange(len(tastes)), k), top.ravel()


def _true_top(tastes, affinity, catalogue: Catalogue, k: int) -> np.ndarray:
    log_p = np.empty((len(tastes), len(catalogue.product_id)))
    for c in range(len(CATEGORIES)):
        items = np.flatnonzero(catalogue.category == c)
        if not len(items):
            continue
        u = _utility(tastes, catalogue, items)
        u -= u.max(axis=1, keepdims=True)
        within = u - np.log(np.exp(u).sum(axis=1, keepdims=True))
        log_p[:, items] = np.log(affinity[:, c : c + 1] + 1e-12) + within
    return np.argsort(-log_p, axis=1)[:, :k]


def order_items_table(
    seed: int, chunk: int, orders: Orders, tastes, catalogue: Catalogue, order_ids: pa.Array
) -> pa.Table:
    """The order_items landing table of one chunk (``order_ids``: its orders' ids, in order)."""
    lines = order_lines(seed, chunk, orders, tastes, catalogue)
    return pa.table(
        {
            "order_id": pc.take(order_ids, pa.array(lines["order"])),
            "product_id": catalogue.product_id[lines["product"]],
            "quantity": pa.array(lines["quantity"], pa.int32()),
            "unit_price": catalogue.price[lines["product"]],
        }
    )


def preferences_table(tastes, affinity, ids: pa.Array, catalogue: Catalogue) -> pa.Table:
    """One chunk's customers' true top products, ranked (ground truth for recommenders)."""
    customer, product = true_preferences(tastes, affinity, catalogue)
    k = len(product) // max(len(tastes), 1)
    return pa.table(
        {
            "customer_id": pc.take(ids, pa.array(customer)),
            "rank": np.tile(np.arange(1, k + 1), len(tastes)),
            "product_id": catalogue.product_id[product],
        }
    )
