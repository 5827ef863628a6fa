"""The logistic-regression baseline reported beside every XGBoost model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from ml.modelling.data import FeatureSpec


def _signed_log1p(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def fit_baseline(spec: FeatureSpec, features: pd.DataFrame, label: pd.Series) -> Pipeline:
    """Median-imputed, log-scaled, standardised numerics plus one-hot categoricals."""
    numeric = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        FunctionTransformer(_signed_log1p),
        StandardScaler(),
    )
    categorical = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="ignore"),
    )
    pre = ColumnTransformer(
        [
            ("numeric", numeric, list(spec.numeric)),
            ("categorical", categorical, list(spec.categorical)),
        ]
    )
    model = Pipeline([("features", pre), ("model", LogisticRegression(max_iter=2000))])
    frame = features.copy()
    for name in spec.categorical:
        frame[name] = frame[name].astype(object)
    return model.fit(frame, label)


def predict_baseline(model: Pipeline, spec: FeatureSpec, features: pd.DataFrame) -> np.ndarray:
    frame = features.copy()
    for name in spec.categorical:
        frame[name] = frame[name].astype(object)
    return model.predict_proba(frame)[:, 1]
