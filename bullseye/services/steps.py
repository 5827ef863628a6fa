"""The pipeline's steps as plain functions over the warehouse; flows/ wires them as tasks.

Each step reads what it needs from the warehouse or the registry and returns a small frozen
result, so it can be run and tested without Prefect.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from bullseye.core.catalog import (
    CAMPAIGN_ID,
    CONTACTS_RELATION,
    CUSTOMER_ID,
    CUSTOMER_KEY,
    ELIGIBILITY_RELATION,
    FEATURES_RELATION,
    LABEL,
    NOT_DRIFT_CHECKED,
    PERIOD_ID,
    PROFILES_RELATION,
    RECONCILIATION_RELATION,
    SCORING_RELATION,
    SCORING_REQUIRED,
    SEGMENTS_RELATION,
    TARGET_NAME,
    TRAINING_REQUIRED,
    TREATMENT,
    require_columns,
)
from bullseye.core.params import AudiencePolicyParams
from bullseye.core.settings import DBT_PROJECT_DIR, Settings
from bullseye.core.targets import Target
from bullseye.core.warehouse import (
    has_relation,
    read_query,
    read_relation,
    replace_rows,
    write_table,
)
from bullseye.reports.model import TEST_SCORES_FILE
from bullseye.reports.profile import render_profile_report, segment_summary
from ml.activation.policy import (
    VALUE_COLUMN,
    AudiencePolicy,
    Eligibility,
    apply_eligibility,
    apply_filters,
    audience_economics,
    expected_value,
    pseudonymise,
    select_audience,
)
from ml.activation.publish import (
    MEMBERS_TABLE,
    FilesDestination,
    Publication,
    PublicationRequest,
    WarehouseDestination,
    WebhookDestination,
    publish,
)
from ml.activation.score import add_uplift, score_customers
from ml.measurement.lift import (
    CampaignMeasurement,
    MeasurementError,
    measure_campaign,
    render_measurement,
)
from ml.modelling.data import TrainingDataError
from ml.modelling.evaluate import evaluate
from ml.modelling.reasons import reason_codes
from ml.modelling.segments import segment_customers
from ml.modelling.train import TrainedModel, TrainingConfig, train_response_model
from ml.modelling.uplift import UPLIFT_TARGET, UpliftModel, train_uplift_model, true_uplift_capture
from ml.registry import store as registry
from ml.registry.store import ModelVersion, PromotionDecision
from monitoring.alerts import (
    Alert,
    GateStore,
    Thresholds,
    drift_alerts,
    notify,
    performance_alerts,
)
from monitoring.drift import PREDICTION_COLUMN, DriftResult, drift_report
from monitoring.performance import performance_snapshot
from monitoring.workspace import MonitoringWorkspace

MEASUREMENTS_RELATION = "publish.campaign_measurements"
CAMPAIGN_RESPONSE_TARGET = "campaign_response"


def row_reconciliation(settings: Settings) -> dict[str, dict]:
    """Per landing table: rows in, staged, exact duplicates, rows superseded by a newer version
    of their key, and quarantined rows by reason."""
    frame = read_relation(settings, RECONCILIATION_RELATION)
    out: dict[str, dict] = {}
    for table, rows in frame.groupby("table_name", sort=True):
        by_outcome = dict(zip(rows["outcome"], rows["row_count"].astype(int), strict=True))
        quarantined = {
            k: v
            for k, v in sorted(by_outcome.items())
            if k not in ("staged", "exact_duplicate", "superseded") and v
        }
        out[str(table)] = {
            "rows_in": int(rows["rows_in"].iloc[0]),
            "staged": by_outcome.get("staged", 0),
            "exact_duplicates": by_outcome.get("exact_duplicate", 0),
            "superseded": by_outcome.get("superseded", 0),
            "quarantined": sum(quarantined.values()),
            "quarantined_by_reason": quarantined,
        }
    return out


def manifest_hash() -> str | None:
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    return hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.is_file() else None


@dataclass(frozen=True)
class TrainingOutcome:
    model: TrainedModel
    version: ModelVersion
    promotion: PromotionDecision


def training_config(settings: Settings, target: Target) -> TrainingConfig:
    return TrainingConfig(
        target=target.name,
        n_trials=settings.n_trials,
        timeout_s=settings.tuning_timeout_s,
        seed=settings.seed,
        test_periods=settings.test_periods,
        min_positives=target.min_positives,
        storage=settings.optuna_storage,
        n_workers=settings.tuning_workers,
        use_segments=settings.segments_as_feature,
    )


def load_training_frame(settings: Settings, target: Target) -> pd.DataFrame:
    """The target's examples from its kind's training mart."""
    frame = read_relation(settings, target.training_relation)
    require_columns(frame, target.training_relation, TRAINING_REQUIRED)
    if target.is_behavioural:
        frame = frame[frame[TARGET_NAME] == target.name].reset_index(drop=True)
    return frame


def train_and_register(
    settings: Settings,
    target: Target,
    run_id: str,
    config: TrainingConfig | None = None,
    truth_dir: Path | None = None,
) -> TrainingOutcome:
    """Train, register (with its HTML report) and promote the new version if it beats the
    champion by the configured margin. ``truth_dir``: generator ground truth, for the oracle."""
    frame = load_training_frame(settings, target)
    model = train_response_model(frame, config or training_config(settings, target))
    reference = {"oracle_roc_auc": oracle_roc_auc(model, truth_dir)}
    version = registry.register(model, settings.models_dir, manifest_hash(), run_id, reference)
    test_rows = frame[frame[PERIOD_ID].isin(model.test_periods)]
    promotion = registry.promote_if_better(
        settings.models_dir, version, test_rows, settings.promotion_margin
    )
    version.write_report(f"{promotion.alias}: {promotion.reason}")
    return TrainingOutcome(model, version, promotion)


@dataclass(frozen=True)
class UpliftOutcome:
    model: UpliftModel | None
    version: ModelVersion | None
    promotion: PromotionDecision | None
    skipped: str | None  # why no uplift model was trained


def train_uplift_and_register(
    settings: Settings, response_target: Target, run_id: str, truth_dir: Path | None = None
) -> UpliftOutcome:
    """Train the T-learner uplift model on past campaigns' sent and control contacts, register
    it with its report, and promote it if its Qini beats the champion's on its test campaign.
    Skipped, with the reason, when the controls are too few to learn from."""
    frame = require_columns(
        read_relation(settings, CONTACTS_RELATION),
        CONTACTS_RELATION,
        (*TRAINING_REQUIRED, TREATMENT),
    )
    config = training_config(settings, response_target)
    try:
        model = train_uplift_model(frame, config)
    except TrainingDataError as error:
        return UpliftOutcome(None, None, None, str(error))
    reference = {}
    truth = _truth_contacts(truth_dir, ["p_treated", "p_control"])
    if truth is not None:
        capture = true_uplift_capture(model.test_scores, truth)
        reference["true_uplift_capture"] = capture.round(5).to_dict("records")
    version = registry.register_uplift(
        model, settings.models_dir, manifest_hash(), run_id, reference
    )
    test_rows = frame[frame[PERIOD_ID].isin(model.test_periods)]
    promotion = registry.promote_if_better(settings.models_dir, version, test_rows)
    version.write_report(f"{promotion.alias}: {promotion.reason}")
    return UpliftOutcome(model, version, promotion, None)


def _truth_contacts(truth_dir: Path | None, columns: list[str]) -> pd.DataFrame | None:
    """The generator's true probabilities per contact, keyed like the training marts."""
    if truth_dir is None or not (Path(truth_dir) / "contacts.parquet").is_file():
        return None
    return pd.read_parquet(
        Path(truth_dir) / "contacts.parquet", columns=[CAMPAIGN_ID, CUSTOMER_ID, *columns]
    ).rename(columns={CAMPAIGN_ID: PERIOD_ID})


def oracle_roc_auc(model: TrainedModel, truth_dir: Path | None) -> float | None:
    """ROC AUC of the generator's true probabilities on a campaign-response model's test
    contacts (the test periods are campaigns)."""
    truth = _truth_contacts(truth_dir, ["p_response"])
    if truth is None:
        return None
    joined = model.test_scores.merge(truth, on=[PERIOD_ID, CUSTOMER_ID], how="inner")
    if joined[LABEL].nunique() < 2:
        return None
    return float(roc_auc_score(joined[LABEL].astype(int), joined["p_response"]))


@dataclass(frozen=True)
class ScoringOutcome:
    model_version: str
    scored: int
    audience: pd.DataFrame
    publication: Publication
    scoring_frame: pd.DataFrame  # features and score of every eligible customer, for drift
    policy: AudiencePolicy
    economics: dict
    eligibility: dict[str, int]  # customers excluded per rule, and eligible


def campaign_economics(settings: Settings, campaign_id: str) -> dict[str, float]:
    campaigns = read_relation(settings, "staging.stg_landing__campaigns")
    row = campaigns[campaigns[CAMPAIGN_ID] == campaign_id].iloc[0]
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


def mart_eligibility(settings: Settings) -> dict[str, int]:
    """Customers the mart excluded, by the first rule they fail, and those it kept."""
    frame = read_relation(settings, ELIGIBILITY_RELATION)
    not_signed_up = ~frame["is_signed_up"]
    no_consent = ~not_signed_up & ~frame["is_opted_in"]
    capped = ~not_signed_up & ~no_consent & frame["is_frequency_capped"]
    return {
        "customers": len(frame),
        "not_signed_up": int(not_signed_up.sum()),
        "no_consent": int(no_consent.sum()),
        "frequency_capped": int(capped.sum()),
    }


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


def score_candidates(
    settings: Settings, model: ModelVersion, campaign_id: str, request: AudiencePolicyParams
) -> Candidates:
    """Score the campaign's eligible customers (the scoring mart, built for this campaign) with
    ``model`` and the uplift champion when there is one; drop suppressed and globally held-out
    customers and those outside the filters; price each by the policy's expected value."""
    scoring = require_columns(
        read_relation(settings, SCORING_RELATION), SCORING_RELATION, SCORING_REQUIRED
    )
    if scoring.empty or (scoring[CAMPAIGN_ID] != campaign_id).any():
        raise ValueError(
            f"No eligible customer for campaign {campaign_id!r}: nobody is opted in for its "
            f"channel and under the frequency cap ({settings.frequency_cap_contacts} contact(s) "
            f"in {settings.frequency_cap_days} days)."
            if scoring.empty
            else f"The scoring mart holds another campaign than {campaign_id!r}: build it first."
        )
    scores = score_customers(model, scoring)
    uplift_model = _uplift_champion(settings)
    if uplift_model is not None:
        scores = add_uplift(scores, uplift_model, scoring)
    if settings.value_from_order_history and "avg_order_value" in scoring:
        scores[VALUE_COLUMN] = scoring["avg_order_value"].to_numpy()
    economics = campaign_economics(settings, campaign_id)
    policy = AudiencePolicy(
        campaign_id,
        request.top_k,
        settings.control_share,
        salt=str(settings.seed),
        filters=request.filter_items,
        kind=request.kind,
        threshold=request.threshold,
        budget=request.budget,
        cost_per_contact=_default(request.cost_per_contact, economics["cost_per_contact"]),
        value_per_response=_default(request.value_per_response, economics["value_per_response"]),
    )
    eligible = apply_eligibility(scores, eligibility_rules(settings))
    candidates = (
        apply_filters(eligible.eligible, policy.filters, audience_profiles(settings))
        if policy.filters
        else eligible.eligible
    )
    eligibility = mart_eligibility(settings) | eligible.excluded
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
    )


def publish_candidates(
    settings: Settings,
    candidates: Candidates,
    run_date: datetime,
    run_id: str,
    allocated: set[str] | None = None,
    fail_before_commit: bool = False,
) -> ScoringOutcome:
    """Select the audience by the policy (among ``allocated`` keys when campaigns were
    arbitrated), add reason codes, and publish to files, the warehouse table and the webhook
    (when configured), all or nothing. Refused while the campaign's publication gate waits for
    an acknowledgement."""
    gates(settings).check(candidates.campaign_id)  # raises while monitoring holds it back
    pool = candidates.scores
    if allocated is not None:
        pool = pool[pool[CUSTOMER_KEY].isin(allocated)]
    audience = select_audience(pool, candidates.policy)
    model = candidates.model
    chosen = candidates.scoring.set_index(CUSTOMER_KEY).loc[audience[CUSTOMER_KEY]].reset_index()
    reasons = reason_codes(model.load_booster(), model.spec, chosen)
    audience = pd.concat([audience, reasons.set_index(audience.index)], axis=1)
    spend = audience_economics(audience, candidates.policy)
    publication = publish(
        PublicationRequest(
            audience,
            candidates.campaign_id,
            run_date.date(),
            model.version,
            run_id,
            policy=candidates.policy.describe()
            | {"uplift_model_version": candidates.uplift_version},
            economics=spend,
            data_as_of=run_date.isoformat(),
            dbt_manifest_hash=manifest_hash(),
        ),
        FilesDestination(settings.audiences_dir),
        _destinations(settings),
        fail_before_commit=fail_before_commit,
    )
    return ScoringOutcome(
        model.version,
        len(candidates.scoring),
        audience,
        publication,
        candidates.scoring,
        candidates.policy,
        spend,
        candidates.eligibility,
    )


def score_and_publish(
    settings: Settings,
    model: ModelVersion,
    campaign_id: str,
    request: AudiencePolicyParams,
    run_date: datetime,
    run_id: str,
    fail_before_commit: bool = False,
) -> ScoringOutcome:
    """One campaign, end to end: score its candidates, select, publish."""
    candidates = score_candidates(settings, model, campaign_id, request)
    return publish_candidates(
        settings, candidates, run_date, run_id, fail_before_commit=fail_before_commit
    )


def _default(value: float | None, fallback: float) -> float:
    return fallback if value is None else value


def _destinations(settings: Settings) -> list:
    destinations: list = [WarehouseDestination(settings.warehouse_path)]
    if settings.webhook_url:
        destinations.append(
            WebhookDestination(settings.webhook_url, settings.webhook_secret.get_secret_value())
        )
    return destinations


def _uplift_champion(settings: Settings) -> ModelVersion | None:
    if "champion" not in registry.aliases(settings.models_dir, UPLIFT_TARGET):
        return None
    return registry.resolve(settings.models_dir, UPLIFT_TARGET, "champion")


def audience_profiles(settings: Settings) -> pd.DataFrame:
    """Profile fields and behavioural segment per customer_key, for audience filters."""
    profiles = read_relation(settings, PROFILES_RELATION).drop(columns=[CUSTOMER_ID])
    segments = read_relation(settings, SEGMENTS_RELATION)[[CUSTOMER_KEY, "segment_label"]]
    return profiles.merge(segments, on=CUSTOMER_KEY, how="left")


def check_drift(
    settings: Settings,
    target: Target,
    model: ModelVersion,
    scoring_frame: pd.DataFrame,
    out_dir: Path,
    timestamp: datetime | None = None,
) -> DriftResult:
    """Reference = the model's test period(s): the newest training rows, so that features
    which grow with time (tenure) do not look drifted merely because older periods are in.
    Campaign-context and campaign-calendar features are left out (bullseye/core/catalog.py)."""
    test_periods = list(model.meta["split"]["test_periods"])
    reference = load_training_frame(settings, target)
    reference = reference[reference[PERIOD_ID].isin(test_periods)].copy()
    reference[PREDICTION_COLUMN] = model.probability(reference)  # as the scoring set's
    spec = model.spec
    numeric = [c for c in spec.numeric if c not in NOT_DRIFT_CHECKED]
    categorical = [c for c in spec.categorical if c not in NOT_DRIFT_CHECKED]
    return drift_report(
        reference,
        scoring_frame,
        numeric,
        categorical,
        out_dir,
        settings.seed,
        settings.drift_sample_rows,
        settings.prediction_drift_threshold,
        summary_columns=list(settings.drift_key_features),
        timestamp=timestamp,
    )


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        settings.drift_max_share, tuple(settings.drift_key_features), settings.auc_max_drop
    )


def gates(settings: Settings) -> GateStore:
    return GateStore(settings.monitoring_dir / "gates")


def workspace(settings: Settings) -> MonitoringWorkspace:
    return MonitoringWorkspace(settings.monitoring_dir / "workspace")


@dataclass(frozen=True)
class MonitoringOutcome:
    drift: DriftResult
    alerts: tuple[Alert, ...]
    snapshot_id: str
    is_gated: bool  # publication of the campaign now waits for an acknowledgement
    is_notified: bool


def monitor_scoring(
    settings: Settings,
    target: Target,
    model: ModelVersion,
    campaign_id: str,
    scoring_frame: pd.DataFrame,
    out_dir: Path,
    run_id: str,
    as_of: datetime,
) -> MonitoringOutcome:
    """Drift of a scoring run: report beside the run, snapshot in the target's workspace
    project, alerts on breached thresholds (logged, sent through Apprise), and a publication
    gate for the campaign when the gate action is on."""
    drift = check_drift(settings, target, model, scoring_frame, out_dir, timestamp=as_of)
    snapshot_id = workspace(settings).add(target.name, drift.snapshot, f"{campaign_id} {run_id}")
    alerts = drift_alerts(drift, thresholds(settings), target.name, campaign_id)
    is_notified = notify(alerts, settings.apprise_url)
    is_gated = (
        bool(alerts) and settings.drift_gate and gates(settings).open(campaign_id, alerts, run_id)
    )
    return MonitoringOutcome(drift, tuple(alerts), snapshot_id, is_gated, is_notified)


def write_summary(run_dir: Path, summary: dict) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "summary.json"
    path.write_text(json.dumps(summary, indent=2, default=str))
    return path


@dataclass(frozen=True)
class ProfileOutcome:
    k: int
    by_rfm: pd.DataFrame
    by_cluster: pd.DataFrame
    report_path: Path


def profile_customers(settings: Settings, as_of: datetime, out_dir: Path) -> ProfileOutcome:
    """Cluster customers, write ``marts.customer_segments`` and the profile report (HTML)."""
    features = read_relation(settings, FEATURES_RELATION)
    profiles = read_relation(settings, PROFILES_RELATION)
    segmentation = segment_customers(features, settings.seed)
    write_table(settings, SEGMENTS_RELATION, segmentation.assignments)
    frame = features.merge(profiles[[CUSTOMER_ID, "rfm_segment"]], on=CUSTOMER_ID).merge(
        segmentation.assignments[[CUSTOMER_ID, "segment_label"]], on=CUSTOMER_ID
    )
    categories = [c.removeprefix("spend_365d_") for c in features if c.startswith("spend_365d_")]
    by_rfm = segment_summary(frame, "rfm_segment", categories)
    by_cluster = segment_summary(frame, "segment_label", categories)
    out_dir.mkdir(parents=True, exist_ok=True)
    report_path = out_dir / "customer_profiles.html"
    report_path.write_text(
        render_profile_report(by_rfm, by_cluster, segmentation.silhouettes, as_of)
    )
    return ProfileOutcome(segmentation.k, by_rfm, by_cluster, report_path)


@dataclass(frozen=True)
class PerformanceOutcome:
    model_version: str
    realised: dict[str, float]  # roc_auc (Evidently), top_decile_lift, brier on sent contacts
    expected: dict[str, float]  # the model's own test figures
    alerts: tuple[Alert, ...]
    snapshot_id: str
    is_notified: bool


@dataclass(frozen=True)
class EvaluationOutcome:
    measurement: CampaignMeasurement
    deciles: pd.DataFrame
    report_path: Path
    truth: dict | None
    performance: PerformanceOutcome | None


def monitor_performance(
    settings: Settings, campaign_id: str, contacts: pd.DataFrame, as_of: datetime | None = None
) -> PerformanceOutcome | None:
    """Realised ROC AUC (Evidently), top-decile lift and Brier score of the response champion on
    the campaign's sent contacts, against the model's test figures; a snapshot in the workspace
    and an alert when the AUC fell further than allowed."""
    target = CAMPAIGN_RESPONSE_TARGET
    sent = (
        contacts[~contacts["is_control"] & contacts["score"].notna()]
        if "score" in contacts
        else None
    )
    if sent is None or sent["has_responded"].nunique() < 2:
        return None
    model = registry.resolve(settings.models_dir, target, "champion")
    reference = pd.read_parquet(model.path / TEST_SCORES_FILE)
    reference["score"] = model.calibrate(reference["score"])
    current = pd.DataFrame(
        {LABEL: sent["has_responded"].astype(int).to_numpy(), "score": sent["score"].to_numpy()}
    )
    snapshot, values = performance_snapshot(reference[[LABEL, "score"]], current, as_of)
    realised_metrics = evaluate(current[LABEL].to_numpy(), current["score"].to_numpy())
    realised = {
        "roc_auc": values["RocAuc"],
        "top_decile_lift": realised_metrics.top_decile_lift,
        "brier": realised_metrics.brier,
    }
    expected = {
        "roc_auc": model.meta["metrics"]["roc_auc"],
        "top_decile_lift": model.meta["metrics"]["top_decile_lift"],
        "brier": model.meta["calibration"]["test_brier_after"],
    }
    snapshot_id = workspace(settings).add(target, snapshot, f"performance {campaign_id}")
    alerts = performance_alerts(
        realised["roc_auc"], expected["roc_auc"], thresholds(settings), target, campaign_id
    )
    is_notified = notify(alerts, settings.apprise_url)
    return PerformanceOutcome(
        model.version, realised, expected, tuple(alerts), snapshot_id, is_notified
    )


def evaluate_campaign(
    settings: Settings, campaign_id: str, out_dir: Path, truth_dir: Path | None = None
) -> EvaluationOutcome:
    """Measure a past campaign (target against control), store the result in
    ``publish.campaign_measurements`` (one row per campaign, replaced on re-measurement) and
    write an HTML page."""
    contacts = read_relation(settings, "staging.int_contacts_labelled")
    contacts = contacts[contacts[CAMPAIGN_ID] == campaign_id]
    if contacts.empty:
        raise MeasurementError(
            f"No contact of campaign {campaign_id!r} has a closed response window as of the "
            "run: measure it once its window has closed (and its contacts have landed)."
        )
    contacts, source = _contact_scores(settings, campaign_id, contacts)
    cost = campaign_economics(settings, campaign_id)["cost_per_contact"]
    measurement, deciles = measure_campaign(contacts, campaign_id, cost, source)
    truth = None
    truth_contacts = _truth_contacts(truth_dir, ["is_control", "p_treated", "p_control"])
    if truth_contacts is not None:
        sent = truth_contacts[
            (truth_contacts[PERIOD_ID] == campaign_id) & ~truth_contacts["is_control"]
        ]
        truth = {
            "true_absolute_lift": float((sent["p_treated"] - sent["p_control"]).mean()),
            "true_response_rate_target": float(sent["p_treated"].mean()),
            "true_response_rate_control": float(sent["p_control"].mean()),
        }
    row = pd.DataFrame([measurement.as_dict() | {"measured_at": pd.Timestamp.now(tz="UTC")}])
    replace_rows(settings, MEASUREMENTS_RELATION, row, {CAMPAIGN_ID: campaign_id})
    performance = monitor_performance(settings, campaign_id, contacts)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / f"campaign_{campaign_id}.html"
    report.write_text(render_measurement(measurement, deciles, truth), encoding="utf-8")
    return EvaluationOutcome(measurement, deciles, report, truth, performance)


def campaigns_to_measure(settings: Settings) -> list[str]:
    """Campaigns with closed-window contacts that ``publish.campaign_measurements`` lacks."""
    closed = read_query(settings, "select distinct campaign_id from staging.int_contacts_labelled")
    measured = (
        read_query(settings, f"select distinct campaign_id from {MEASUREMENTS_RELATION}")
        if has_relation(settings, MEASUREMENTS_RELATION)
        else closed.iloc[:0]
    )
    return sorted(set(closed["campaign_id"]) - set(measured["campaign_id"]))


def _contact_scores(
    settings: Settings, campaign_id: str, contacts: pd.DataFrame
) -> tuple[pd.DataFrame, str]:
    """The score each contact had: from the campaign's latest Bullseye publication when there
    is one, else the response champion's score of the contact's point-in-time features."""
    keys = read_relation(settings, "staging.stg_landing__customers")[[CUSTOMER_ID, CUSTOMER_KEY]]
    contacts = contacts.merge(keys, on=CUSTOMER_ID, how="left")
    members = _published_members(settings, campaign_id)
    if members is not None and not members.empty:
        scored = contacts.merge(members, on=CUSTOMER_KEY, how="left")
        return scored, f"published audience of {members.attrs['run_date']}"
    if "champion" not in registry.aliases(settings.models_dir, CAMPAIGN_RESPONSE_TARGET):
        return contacts, "none (no model yet)"
    model = registry.resolve(settings.models_dir, CAMPAIGN_RESPONSE_TARGET, "champion")
    features = read_relation(settings, CONTACTS_RELATION)
    features = features[features[PERIOD_ID] == campaign_id]
    features = features.assign(score=model.probability(features))
    scored = contacts.merge(features[[CUSTOMER_ID, "score"]], on=CUSTOMER_ID, how="left")
    in_sample = campaign_id not in model.meta["split"]["test_periods"]
    return scored, (
        f"champion {model.version} scoring each contact's features as of its send"
        + (" (the model trained on this campaign: in-sample)" if in_sample else "")
    )


def _published_members(settings: Settings, campaign_id: str) -> pd.DataFrame | None:
    if not has_relation(settings, MEMBERS_TABLE):
        return None
    members = read_query(
        settings,
        f"select customer_key, score, run_date from {MEMBERS_TABLE} where campaign_id = ? "
        f"and run_date = (select max(run_date) from {MEMBERS_TABLE} where campaign_id = ?)",
        [campaign_id, campaign_id],
    )
    if members.empty:
        return members
    run_date = str(members["run_date"].iloc[0].date())
    members = members.drop(columns="run_date")
    members.attrs["run_date"] = run_date
    return members
