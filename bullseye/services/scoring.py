"""Scoring stage: read a campaign's scoring rows and the rules around them, then score, apply
eligibility and filters and price each candidate (pure functions of ml/activation)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bullseye.core.catalog import (
    CAMPAIGNS_RELATION,
    CUSTOMER_ID,
    CUSTOMER_KEY,
    CUSTOMER_VALUE_RELATION,
    ELIGIBILITY_RELATION,
    PROFILES_RELATION,
    SEGMENTS_RELATION,
)
from bullseye.core.hashing import pseudonymise
from bullseye.core.params import AudiencePolicyParams, CampaignSelectionError
from bullseye.core.settings import Settings
from bullseye.core.warehouse import has_relation, read_query, read_relation
from bullseye.services.scoring_rows import VALUE_SOURCE, score_rows, spark_rows_of
from bullseye.services.test_plans import campaign_plan
from ml.activation.eligibility import Eligibility, apply_eligibility, apply_filters
from ml.activation.policy import VALUE_COLUMN, AudiencePolicy, expected_value
from ml.activation.score import ScoringGuardError, score_customers, scoring_problems
from ml.modelling.uplift import UPLIFT_TARGET
from ml.registry import store
from ml.registry.store import ModelVersion
from monitoring.alerts import Alert, notify
from monitoring.drift import PREDICTION_COLUMN

log = logging.getLogger("bullseye.activation")


@dataclass(frozen=True)
class Candidates:
    """A campaign's scored, eligible, filtered customers, before selection."""

    campaign_id: str
    model: ModelVersion  # the model that scored them: reasons, drift and the manifest use it
    scored: int  # scoring-mart rows scored
    # scoring-mart rows with their score, for drift and reason codes: every row, or on engine
    # spark a seeded sample (``audience_rows`` reads the selected customers' rows there)
    scoring: pd.DataFrame
    scores: pd.DataFrame  # one row per candidate: key, score, decile, uplift, value, EV
    policy: AudiencePolicy
    uplift_version: str | None
    eligibility: dict[str, int]
    # Why nobody is left (None when someone is): an empty audience is an outcome, published
    # with its manifest, and the summary says why.
    empty_reason: str | None = None


def campaign_economics(settings: Settings, campaign_id: str) -> dict[str, float]:
    row = read_query(
        settings,
        f"select cost_per_contact, value_per_response from {CAMPAIGNS_RELATION} "
        "where campaign_id = ?",
        [campaign_id],
    ).iloc[0]
    return {
        "cost_per_contact": float(row["cost_per_contact"]),
        "value_per_response": float(row["value_per_response"]),
    }


def eligibility_rules(settings: Settings) -> Eligibility:
    suppressed: frozenset[str] = frozenset()
    path = settings.suppression_file
    if path is not None:
        ids = (
            pd.read_parquet(path, columns=[CUSTOMER_ID])
            if Path(path).suffix == ".parquet"
            else pd.read_csv(path, dtype=str, usecols=[CUSTOMER_ID])
        )[CUSTOMER_ID]
        suppressed = frozenset(pseudonymise(ids.dropna().astype(str), settings.pii_salt))
    return Eligibility(suppressed, settings.global_holdout_share, str(settings.seed))


def mart_exclusions(settings: Settings, campaign_id: str) -> dict[str, int]:
    """Customers the eligibility mart excluded, by the first rule they fail, and those kept:
    counted in the warehouse (one row comes back, however many customers)."""
    counts = read_query(
        settings,
        "select count(*) as customers, "
        "sum(case when not is_signed_up then 1 else 0 end) as not_signed_up, "
        "sum(case when is_signed_up and not is_opted_in then 1 else 0 end) as no_consent, "
        "sum(case when is_signed_up and is_opted_in and is_frequency_capped then 1 else 0 end)"
        f" as frequency_capped from {ELIGIBILITY_RELATION} where campaign_id = ?",
        [campaign_id],
    ).iloc[0]
    return {name: int(0 if pd.isna(value) else value) for name, value in counts.items()}


def audience_profiles(settings: Settings) -> pd.DataFrame:
    """Profile fields and behavioural segment per customer_key, for audience filters."""
    profiles = read_relation(settings, PROFILES_RELATION).drop(columns=[CUSTOMER_ID])
    segments = read_relation(settings, SEGMENTS_RELATION)[[CUSTOMER_KEY, "segment_label"]]
    return profiles.merge(segments, on=CUSTOMER_KEY, how="left")


def score_candidates(
    settings: Settings, model: ModelVersion, campaign_id: str, request: AudiencePolicyParams
) -> Candidates:
    """Score the campaign's eligible customers (its rows of the scoring mart) with ``model`` and
    the uplift champion when there is one; drop suppressed and globally held-out customers and
    those outside the filters; price each by the policy's expected value."""
    uplift_model = store.champion(settings.models_dir, UPLIFT_TARGET)
    economics = campaign_economics(settings, campaign_id)
    exclusions = mart_exclusions(settings, campaign_id)
    rules = eligibility_rules(settings)
    profiles = audience_profiles(settings) if request.filters else None

    scored = score_rows(settings, model, uplift_model, campaign_id)
    raw, rows = scored.raw, len(scored.ranked)
    problems = scoring_problems(
        model, scored.empty_features, raw, settings.min_distinct_scores, settings.max_score_shift
    )
    if problems and rows:  # nobody to score is an outcome, not a bad model
        message = f"Not publishing {campaign_id!r} with model {model.version}: " + "; ".join(
            problems
        )
        notify([Alert("scoring_guard", model.target, campaign_id, message)], settings.apprise_url)
        raise ScoringGuardError(message)
    scores = score_customers(model, scored.ranked, raw)
    if uplift_model is not None:
        uplift = scored.uplift if scored.uplift is not None else np.array([], dtype="float64")
        scores = scores.assign(uplift=uplift)
    if settings.value_from_order_history:
        scores = with_customer_value(settings, scores, scored.ranked)
    plan = campaign_plan(settings, campaign_id)
    if plan is not None:
        log.info("Test plan of %s: %s", campaign_id, plan.describe())
    policy = AudiencePolicy(
        campaign_id,
        request.top_k,
        settings.control_share if plan is None else plan.control_share,
        salt=str(settings.seed),
        filters=request.filter_items,
        kind=request.kind.value,
        threshold=request.threshold,
        budget=request.budget,
        cost_per_contact=_default(request.cost_per_contact, economics["cost_per_contact"]),
        value_per_response=_default(request.value_per_response, economics["value_per_response"]),
    )
    eligible = apply_eligibility(scores, rules)
    candidates = (
        apply_filters(eligible.eligible, policy.filters, profiles)
        if policy.filters
        else eligible.eligible
    )
    eligibility = exclusions | eligible.excluded
    eligibility["filtered_out"] = len(eligible.eligible) - len(candidates)
    eligibility["eligible"] = len(candidates)
    predictions = scores[[CUSTOMER_KEY, "score"]].rename(columns={"score": PREDICTION_COLUMN})
    return Candidates(
        campaign_id,
        model,
        rows,
        scored.monitored.merge(predictions, on=CUSTOMER_KEY, how="left"),
        expected_value(candidates, policy),
        policy,
        uplift_model.version if uplift_model else None,
        eligibility,
        None if len(candidates) else nobody_left(campaign_id, eligibility, settings, policy),
    )


def with_customer_value(
    settings: Settings, scores: pd.DataFrame, ranked: pd.DataFrame
) -> pd.DataFrame:
    """Each customer's value of a response: the predicted lifetime value (publish.customer_value)
    where the CLV model gave one, else the average order value (scoring mart), else none (the
    campaign's value_per_response applies)."""
    value = (
        pd.Series(ranked[VALUE_SOURCE].to_numpy(), index=scores.index, dtype="float64")
        if VALUE_SOURCE in ranked
        else pd.Series(np.nan, index=scores.index)
    )
    if has_relation(settings, CUSTOMER_VALUE_RELATION):
        clv = read_relation(settings, CUSTOMER_VALUE_RELATION).set_index(CUSTOMER_KEY)["clv"]
        value = scores[CUSTOMER_KEY].map(clv).astype("float64").fillna(value)
    if value.notna().any():
        scores = scores.assign(**{VALUE_COLUMN: value.to_numpy()})
    return scores


def audience_rows(settings: Settings, candidates: Candidates, keys: pd.Series) -> pd.DataFrame:
    """The scoring-mart rows of the selected customers, in the order of ``keys``."""
    if len(candidates.scoring) == candidates.scored:
        return candidates.scoring.set_index(CUSTOMER_KEY).loc[keys].reset_index()
    return spark_rows_of(settings, candidates.campaign_id, keys)


def nobody_left(
    campaign_id: str, eligibility: dict[str, int], settings: Settings, policy: AudiencePolicy
) -> str:
    """Why no customer is left to select for the campaign, from the eligibility counts."""
    counts = eligibility
    if counts["customers"] == 0:
        return f"No customer to score for {campaign_id!r}: the customers table has no staged row."
    mart_rules = {
        "not_signed_up": "signed up after the as-of moment",
        "no_consent": "not opted in for the campaign's channel",
        "frequency_capped": f"at the frequency cap ({settings.frequency_cap_contacts} "
        f"contact(s) in {settings.frequency_cap_days} days)",
        "suppressed": "on the suppression list",
        "global_holdout": "in the global holdout",
        "filtered_out": f"outside the audience filters {dict(policy.filters)}",
    }
    why = "; ".join(f"{counts[k]:,} {text}" for k, text in mart_rules.items() if counts.get(k))
    return (
        f"No eligible customer for campaign {campaign_id!r}: of {counts['customers']:,} "
        f"customers, {why}. An empty audience is published."
    )


def _default(value: float | None, fallback: float) -> float:
    return fallback if value is None else value


def resolve_campaigns(settings: Settings, campaign_ids: list[str] | None) -> list[str]:
    """The campaigns to score: those asked for (each must be a staged campaign), or by default
    the latest campaign that has no contacts yet."""
    campaigns = read_query(
        settings,
        f"select campaign_id, has_contacts from {CAMPAIGNS_RELATION} "
        "order by starts_at desc, campaign_id",
    )
    known = list(campaigns["campaign_id"])
    if campaign_ids:
        unknown = [c for c in campaign_ids if c not in known]
        if unknown:
            latest = ", ".join(repr(c) for c in known[:10]) or "none"
            more = f" and {len(known) - 10:,} more" if len(known) > 10 else ""
            raise CampaignSelectionError(
                f"Campaign {unknown[0]!r} is not in the staged campaigns table (known, latest "
                f"first: {latest}{more}). Check the id, or the campaigns landing table: a "
                "campaign row that was quarantined is not staged (see "
                "quarantine.quarantine_campaigns)."
            )
        return list(dict.fromkeys(campaign_ids))
    upcoming = campaigns.loc[~campaigns["has_contacts"].astype(bool), "campaign_id"]
    if upcoming.empty:
        raise CampaignSelectionError(
            "No campaign to score: every campaign already has contacts. "
            "Add the upcoming campaign to the campaigns table or pass --campaign."
        )
    return [str(upcoming.iloc[0])]
