"""Scoring stage: read a campaign's scoring rows and the rules around them, then score, apply
eligibility and filters and price each candidate (pure functions of ml/activation)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bullseye.core.catalog import (
    CAMPAIGNS_RELATION,
    CUSTOMER_ID,
    CUSTOMER_KEY,
    ELIGIBILITY_RELATION,
    PROFILES_RELATION,
    SCORING_RELATION,
    SCORING_REQUIRED,
    SEGMENTS_RELATION,
    require_columns,
)
from bullseye.core.hashing import pseudonymise
from bullseye.core.params import AudiencePolicyParams, CampaignSelectionError
from bullseye.core.settings import Settings
from bullseye.core.warehouse import read_query, read_relation
from ml.activation.eligibility import Eligibility, apply_eligibility, apply_filters
from ml.activation.policy import VALUE_COLUMN, AudiencePolicy, expected_value
from ml.activation.score import (
    ScoringGuardError,
    add_uplift,
    raw_scores,
    score_customers,
    scoring_problems,
)
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
    scoring: pd.DataFrame  # every scoring-mart row with its score: for reasons and drift
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


def mart_exclusions(frame: pd.DataFrame) -> dict[str, int]:
    """Customers the eligibility mart excluded, by the first rule they fail, and those kept."""
    not_signed_up = ~frame["is_signed_up"]
    no_consent = ~not_signed_up & ~frame["is_opted_in"]
    capped = ~not_signed_up & ~no_consent & frame["is_frequency_capped"]
    return {
        "customers": len(frame),
        "not_signed_up": int(not_signed_up.sum()),
        "no_consent": int(no_consent.sum()),
        "frequency_capped": int(capped.sum()),
    }


def audience_profiles(settings: Settings) -> pd.DataFrame:
    """Profile fields and behavioural segment per customer_key, for audience filters."""
    profiles = read_relation(settings, PROFILES_RELATION).drop(columns=[CUSTOMER_ID])
    segments = read_relation(settings, SEGMENTS_RELATION)[[CUSTOMER_KEY, "segment_label"]]
    return profiles.merge(segments, on=CUSTOMER_KEY, how="left")


def _campaign_rows(settings: Settings, relation: str, campaign_id: str) -> pd.DataFrame:
    return read_query(
        settings,
        f"select * from {relation} where campaign_id = ? order by customer_key",
        [campaign_id],
    )


def score_candidates(
    settings: Settings, model: ModelVersion, campaign_id: str, request: AudiencePolicyParams
) -> Candidates:
    """Score the campaign's eligible customers (its rows of the scoring mart) with ``model`` and
    the uplift champion when there is one; drop suppressed and globally held-out customers and
    those outside the filters; price each by the policy's expected value."""
    scoring = require_columns(
        _campaign_rows(settings, SCORING_RELATION, campaign_id), SCORING_RELATION, SCORING_REQUIRED
    )
    uplift_model = store.champion(settings.models_dir, UPLIFT_TARGET)
    economics = campaign_economics(settings, campaign_id)
    exclusions = mart_exclusions(_campaign_rows(settings, ELIGIBILITY_RELATION, campaign_id))
    rules = eligibility_rules(settings)
    profiles = audience_profiles(settings) if request.filters else None

    log.info("Scoring %s: %s customers with %s", campaign_id, f"{len(scoring):,}", model.version)
    raw = raw_scores(model, scoring)
    problems = scoring_problems(
        model, scoring, raw, settings.min_distinct_scores, settings.max_score_shift
    )
    if problems and not scoring.empty:  # nobody to score is an outcome, not a bad model
        message = f"Not publishing {campaign_id!r} with model {model.version}: " + "; ".join(
            problems
        )
        notify([Alert("scoring_guard", model.target, campaign_id, message)], settings.apprise_url)
        raise ScoringGuardError(message)
    scores = score_customers(model, scoring, raw)
    if uplift_model is not None:
        scores = (
            add_uplift(scores, uplift_model, scoring)
            if len(scoring)
            else scores.assign(uplift=pd.Series(dtype="float64"))
        )
    if settings.value_from_order_history and "avg_order_value" in scoring:
        scores[VALUE_COLUMN] = scoring["avg_order_value"].to_numpy()
    policy = AudiencePolicy(
        campaign_id,
        request.top_k,
        settings.control_share,
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
    return Candidates(
        campaign_id,
        model,
        scoring.assign(**{PREDICTION_COLUMN: scores["score"].to_numpy()}),
        expected_value(candidates, policy),
        policy,
        uplift_model.version if uplift_model else None,
        eligibility,
        None if len(candidates) else nobody_left(campaign_id, eligibility, settings, policy),
    )


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
