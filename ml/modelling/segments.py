"""Behavioural clusters: k-means (scikit-learn) on standardised behaviour, k by silhouette,
each cluster named from how it differs from the average customer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from bullseye.core.catalog import CUSTOMER_ID, CUSTOMER_KEY

# Behaviour the clusters are built on: recency, frequency, value, breadth and engagement.
BEHAVIOUR = (
    "recency_days",
    "orders_365d",
    "spend_365d",
    "avg_order_value",
    "categories_365d",
    "events_30d",
    "email_clicks_90d",
    "app_order_share_365d",
)
# Readable words for a cluster mean far above (+) or below (-) the average, by feature.
WORDS = {
    "recency_days": ("lapsed", "recent"),
    "orders_365d": ("frequent", "infrequent"),
    "spend_365d": ("high-spend", "low-spend"),
    "avg_order_value": ("big-basket", "small-basket"),
    "categories_365d": ("broad", "narrow"),
    "events_30d": ("engaged", "quiet"),
    "email_clicks_90d": ("email-responsive", None),
    "app_order_share_365d": ("app-first", None),
}


SEGMENT_FEATURE = "behaviour_segment"


class SegmentationError(ValueError):
    """The customers cannot be clustered (no behaviour in the data, or all alike); the message
    says why."""


@dataclass(frozen=True)
class Segmenter:
    """A fitted clustering as plain numbers (log1p, standardise, nearest centroid), so a model
    can carry it in its JSON metadata and assign segments to any rows, point in time."""

    means: tuple[float, ...]
    scales: tuple[float, ...]
    centroids: tuple[tuple[float, ...], ...]
    labels: tuple[str, ...]
    recency_fill: float
    # The BEHAVIOUR columns clustered on: those the data has (a landing without orders or
    # events has no such features).
    columns: tuple[str, ...] = BEHAVIOUR

    def assign(self, features: pd.DataFrame) -> np.ndarray:
        behaviour = features[list(self.columns)].astype("float64")
        if "recency_days" in behaviour:
            behaviour["recency_days"] = behaviour["recency_days"].fillna(self.recency_fill)
        scaled = (np.log1p(behaviour.fillna(0.0).to_numpy()) - self.means) / self.scales
        distances = ((scaled[:, None, :] - np.asarray(self.centroids)[None]) ** 2).sum(axis=2)
        return np.asarray(self.labels, dtype=object)[distances.argmin(axis=1)]

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict) -> Segmenter:
        return cls(
            tuple(data["means"]),
            tuple(data["scales"]),
            tuple(tuple(c) for c in data["centroids"]),
            tuple(data["labels"]),
            float(data["recency_fill"]),
            tuple(data.get("columns", BEHAVIOUR)),  # models saved before it: every column
        )


@dataclass(frozen=True)
class Segmentation:
    assignments: pd.DataFrame  # customer_id, customer_key, segment_id, segment_label
    k: int
    silhouettes: dict[int, float]
    profile: pd.DataFrame  # per segment: size and mean behaviour (original units)
    segmenter: Segmenter


def _behaviour(features: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in BEHAVIOUR if c in features]
    if not columns:
        raise SegmentationError(
            f"no behaviour to cluster: none of {', '.join(BEHAVIOUR)} is in the data"
        )
    frame = features[columns].astype("float64")
    if "recency_days" in frame:
        # Never bought: recency as long as the longest observed, other gaps as zero.
        frame["recency_days"] = frame["recency_days"].fillna(frame["recency_days"].max() or 0)
    frame = frame.fillna(0.0)
    if len(frame.drop_duplicates()) < 2:
        raise SegmentationError(
            f"every customer has the same behaviour ({', '.join(columns)}): nothing to cluster"
        )
    return frame


def _pipeline(k: int, seed: int) -> Pipeline:
    return make_pipeline(
        FunctionTransformer(np.log1p),
        StandardScaler(),
        KMeans(n_clusters=k, n_init=4, random_state=seed),
    )


def _label(z: pd.Series) -> str:
    words = []
    for feature, value in z.abs().sort_values(ascending=False).items():
        if value < 0.5 or len(words) == 3:
            break
        high, low = WORDS[feature]
        word = high if z[feature] > 0 else low
        if word:
            words.append(word)
    return " ".join(words) if words else "average"


def segment_customers(
    features: pd.DataFrame,
    seed: int,
    k_range: range = range(3, 8),
    silhouette_rows: int = 10_000,
    fit_rows: int = 200_000,
) -> Segmentation:
    """Fit k-means for each k, keep the best silhouette (on a seeded sample), name clusters.

    The clusters are fitted on a seeded sample of at most ``fit_rows`` customers (every customer
    assigned afterwards): 200,000 points place a handful of centres as well as a million do,
    and five fits with four starts each on a million rows took most of a minute."""
    behaviour = _behaviour(features)
    sample = behaviour.sample(n=min(silhouette_rows, len(behaviour)), random_state=seed)
    fit_on = (
        behaviour if len(behaviour) <= fit_rows else behaviour.sample(n=fit_rows, random_state=seed)
    )
    silhouettes, fitted = {}, {}
    for k in k_range:
        if k >= len(sample):
            break
        pipe = _pipeline(k, seed).fit(fit_on)
        transformed = pipe[:-1].transform(sample)
        predicted = pipe[-1].predict(transformed)
        if len(np.unique(predicted)) < 2:  # too few distinct customers for k clusters
            continue
        silhouettes[k] = float(silhouette_score(transformed, predicted))
        fitted[k] = pipe
    if not silhouettes:
        raise SegmentationError(
            f"too few distinct customers to form {min(k_range)} or more clusters"
        )
    best = max(silhouettes, key=lambda k: (silhouettes[k], -k))
    segment_id = fitted[best].predict(behaviour)
    scaled = pd.DataFrame(fitted[best][:-1].transform(behaviour), columns=behaviour.columns)
    z_means = scaled.groupby(segment_id).mean()
    labels = {s: _label(z_means.loc[s]) for s in z_means.index}
    seen: dict[str, int] = {}
    for s in sorted(labels):  # the same words twice: number them
        seen[labels[s]] = seen.get(labels[s], 0) + 1
        if seen[labels[s]] > 1:
            labels[s] = f"{labels[s]} ({seen[labels[s]]})"
    assignments = pd.DataFrame(
        {
            CUSTOMER_ID: features[CUSTOMER_ID].to_numpy(),
            CUSTOMER_KEY: features[CUSTOMER_KEY].to_numpy(),
            "segment_id": segment_id.astype(int),
            "segment_label": [labels[s] for s in segment_id],
        }
    )
    profile = behaviour.groupby(segment_id).mean().round(2)
    profile.insert(0, "customers", pd.Series(segment_id).value_counts().sort_index())
    profile.insert(0, "segment_label", [labels[s] for s in profile.index])
    scaler, kmeans = fitted[best][1], fitted[best][2]
    segmenter = Segmenter(
        tuple(scaler.mean_),
        tuple(scaler.scale_),
        tuple(map(tuple, kmeans.cluster_centers_)),
        tuple(labels.get(s, f"cluster {s}") for s in range(best)),  # empty clusters too
        float(behaviour["recency_days"].max() or 0) if "recency_days" in behaviour else 0.0,
        tuple(behaviour.columns),
    )
    return Segmentation(
        assignments, best, silhouettes, profile.rename_axis("segment_id"), segmenter
    )
