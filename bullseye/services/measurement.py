"""Measurement stage: what a past campaign really did (target against control), stored in
``publish.campaign_measurements`` with an HTML page, and the model's realised performance."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from bullseye.core.catalog import (
    CAMPAIGN_ID,
    CONTACT_OUTCOMES_RELATION,
    CONTACTS_RELATION,
    CUSTOMER_ID,
    CUSTOMER_KEY,
    MEASUREMENTS_RELATION,
    MEMBERS_RELATION,
    PERIOD_ID,
)
from bullseye.core.ids import folder_name
from bullseye.core.settings import Settings
from bullseye.core.warehouse import has_relation, read_query, replace_rows
from bullseye.reports.measurement import render_measurement
from bullseye.services.monitoring import PerformanceOutcome, monitor_performance
from bullseye.services.scoring import campaign_economics
from bullseye.services.test_plans import campaign_plan, power_verdict
from bullseye.services.training import truth_contacts
from ml.measurement.lift import CampaignMeasurement, MeasurementError, measure_campaign
from ml.registry.store import ModelVersion


class UnmeasuredCampaignError(MeasurementError):
    """No lift can be measured (no control group, one arm empty), but the model's scores were
    still checked against the responses: ``performance`` (None without scored contacts)."""

    def __init__(self, message: str, performance: PerformanceOutcome | None) -> None:
        super().__init__(message)
        self.performance = performance


@dataclass(frozen=True)
class EvaluationOutcome:
    measurement: CampaignMeasurement
    deciles: pd.DataFrame
    report_path: Path
    truth: dict | None
    performance: PerformanceOutcome | None


def evaluate_campaign(
    settings: Settings,
    campaign_id: str,
    model: ModelVersion | None,
    out_dir: Path,
    truth_dir: Path | None = None,
) -> EvaluationOutcome:
    """Measure a past campaign (target against control) with the response champion ``model``
    (None before the first), store the result in ``publish.campaign_measurements`` (one row
    per campaign, replaced on re-measurement) and write an HTML page."""
    contacts = read_query(
        settings, f"select * from {CONTACT_OUTCOMES_RELATION} where campaign_id = ?", [campaign_id]
    )
    if contacts.empty:
        raise MeasurementError(
            f"No contact of campaign {campaign_id!r} has a closed response window as of the "
            "run: measure it once its window has closed (and its contacts have landed)."
        )
    members = _published_members(settings, campaign_id)
    features = None
    if (members is None or members.empty) and model is not None:
        features = read_query(
            settings, f"select * from {CONTACTS_RELATION} where period_id = ?", [campaign_id]
        )
    cost = campaign_economics(settings, campaign_id)["cost_per_contact"]
    truth_frame = truth_contacts(truth_dir, ["is_control", "p_treated", "p_control"])

    contacts, source = _contact_scores(campaign_id, contacts, members, model, features)
    # The model's realised performance first: calibration-in-the-large needs no control group,
    # so a campaign that cannot be measured against one is still checked.
    performance = monitor_performance(settings, model, campaign_id, contacts)
    try:
        measurement, deciles = measure_campaign(contacts, campaign_id, cost, source)
    except MeasurementError as error:
        raise UnmeasuredCampaignError(str(error), performance) from error
    plan = campaign_plan(settings, campaign_id)
    measurement = replace(
        measurement,
        **power_verdict(plan, measurement.contacts_target, measurement.contacts_control),
    )
    truth = None if truth_frame is None else _true_lift(truth_frame, campaign_id)
    row = pd.DataFrame([measurement.as_dict() | {"measured_at": pd.Timestamp.now(tz="UTC")}])
    replace_rows(settings, MEASUREMENTS_RELATION, row, {CAMPAIGN_ID: campaign_id})
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / f"campaign_{folder_name(campaign_id)}.html"
    report.write_text(render_measurement(measurement, deciles, truth), encoding="utf-8")
    return EvaluationOutcome(measurement, deciles, report, truth, performance)


def _true_lift(truth: pd.DataFrame, campaign_id: str) -> dict:
    sent = truth[(truth[PERIOD_ID] == campaign_id) & ~truth["is_control"]]
    return {
        "true_absolute_lift": float((sent["p_treated"] - sent["p_control"]).mean()),
        "true_response_rate_target": float(sent["p_treated"].mean()),
        "true_response_rate_control": float(sent["p_control"].mean()),
    }


def campaigns_to_measure(settings: Settings) -> list[str]:
    """Campaigns with closed-window contacts that ``publish.campaign_measurements`` lacks."""
    closed = read_query(settings, f"select distinct campaign_id from {CONTACT_OUTCOMES_RELATION}")
    measured = (
        read_query(settings, f"select distinct campaign_id from {MEASUREMENTS_RELATION}")
        if has_relation(settings, MEASUREMENTS_RELATION)
        else closed.iloc[:0]
    )
    return sorted(set(closed["campaign_id"]) - set(measured["campaign_id"]))


def _contact_scores(
    campaign_id: str,
    contacts: pd.DataFrame,
    members: pd.DataFrame | None,
    model: ModelVersion | None,
    features: pd.DataFrame | None,
) -> tuple[pd.DataFrame, str]:
    """The score each contact had: from the campaign's latest Bullseye publication when there
    is one, else the response champion's score of the contact's point-in-time features."""
    if members is not None and not members.empty:
        scored = contacts.merge(members, on=CUSTOMER_KEY, how="left")
        return scored, f"published audience of {members.attrs['run_date']}"
    if model is None or features is None:
        return contacts, "none (no model yet)"
    features = features.assign(score=model.probability(features))
    scored = contacts.merge(features[[CUSTOMER_ID, "score"]], on=CUSTOMER_ID, how="left")
    in_sample = campaign_id not in model.test_periods
    return scored, (
        f"champion {model.version} scoring each contact's features as of its send"
        + (" (the model trained on this campaign: in-sample)" if in_sample else "")
    )


def _published_members(settings: Settings, campaign_id: str) -> pd.DataFrame | None:
    if not has_relation(settings, MEMBERS_RELATION):
        return None
    members = read_query(
        settings,
        f"select customer_key, score, run_date from {MEMBERS_RELATION} where campaign_id = ? "
        f"and run_date = (select max(run_date) from {MEMBERS_RELATION} where campaign_id = ?)",
        [campaign_id, campaign_id],
    )
    if members.empty:
        return members
    run_date = str(members["run_date"].iloc[0].date())
    members = members.drop(columns="run_date")
    members.attrs["run_date"] = run_date
    return members
