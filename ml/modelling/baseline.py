"""The logistic-regression baseline reported beside every XGBoost model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from ml.modelling.data import FeatureSpec, seeded_sample


def _signed_log1p(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


# A linear model of ~100 coefficients is settled by 200,000 rows; on a million, lbfgs took
# minutes for the same coefficients (to their third decimal).
MAX_ROWS = 200_000


def fit_baseline(
    spec: FeatureSpec, features: pd.DataFrame, label: pd.Series, seed: int = 0
) -> Pipeline:
    """Median-imputed, log-scaled, standardised numerics plus one-hot categoricals, fitted on
    a seeded sample of at most ``MAX_ROWS`` rows."""
    features, label = seeded_sample(features, label, MAX_ROWS, seed)
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
    frame = _as_objects(spec, features)
    model.fit(frame, label)
    # The training rows' mean design row: the reference that linear contributions are taken
    # from (each feature's contribution is coef * (x - mean), SHAP's value for a linear model).
    model.background_ = np.asarray(model["features"].transform(frame).mean(axis=0)).ravel()
    return model


def _as_objects(spec: FeatureSpec, features: pd.DataFrame) -> pd.DataFrame:
    frame = features.copy()
    for name in spec.categorical:
        frame[name] = frame[name].astype(object)
    return frame


def predict_baseline(model: Pipeline, spec: FeatureSpec, features: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(_as_objects(spec, features))[:, 1]


def baseline_margin(model: Pipeline, spec: FeatureSpec, features: pd.DataFrame) -> np.ndarray:
    """Log-odds of the baseline for each row of a feature matrix."""
    return model.decision_function(_as_objects(spec, features))


def baseline_contributions(
    model: Pipeline, spec: FeatureSpec, features: pd.DataFrame
) -> np.ndarray:
    """Per row and feature, coef * (design value - training mean), summed over a categorical's
    one-hot columns. Written here because scikit-learn has no per-row attribution and the
    ``shap`` package is not a dependency; for a linear model this is the exact SHAP value."""
    design = model["features"].transform(_as_objects(spec, features))
    design = design.toarray() if hasattr(design, "toarray") else np.asarray(design)
    per_column = (design - model.background_) * model["model"].coef_[0]
    widths = [1] * len(spec.numeric)
    if spec.categorical:
        encoder = model["features"].named_transformers_["categorical"][-1]
        widths += [len(levels) for levels in encoder.categories_]
    ends = np.cumsum(widths)
    return np.add.reduceat(per_column, ends - widths, axis=1) if widths else per_column
