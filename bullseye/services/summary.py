"""A run summary as plain text, for the terminal and the Prefect artifact."""

from __future__ import annotations

from bullseye.services.results import PipelineSummary


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def _economics_line(e: dict) -> str:
    roi = "n/a" if e["roi"] is None else f"{e['roi']:.0%}"
    return (
        f"  expected: {e['expected_responses']:,.0f} responses, "
        f"revenue {e['expected_revenue']:,.0f}, cost {e['cost']:,.0f}, "
        f"profit {e['expected_profit']:,.0f}, ROI {roi}"
        f" ({e['contacts']} contacted, {e['controls']} control)"
    )


def _other_campaign_lines(summary: PipelineSummary) -> list[str]:
    lines = []
    for row in summary.allocation or []:
        lines.append(
            f"  allocation {row['campaign_id']}: {row['allocated']} of {row['candidates']} "
            f"candidates ({row['lost_to_other_campaigns']} went to another campaign)"
        )
    for campaign, other in (summary.other_campaigns or {}).items():
        lines += [
            f"Audience for '{campaign}': {other['audience_size']} {other['audience_by_group']}",
            _economics_line(other["audience_economics"]),
            f"  CSV      {other['csv']}",
        ]
    return lines


def _uplift_lines(uplift: dict | None) -> list[str]:
    if not uplift:
        return []
    if "skipped" in uplift:
        return ["", f"Uplift model: not trained ({uplift['skipped']})"]
    lines = [
        "",
        f"Uplift model {uplift['model_version']}  [{uplift['promotion']}]",
        f"  Qini coefficient  {_fmt(uplift['qini_coefficient'])}"
        f"  (ranking by response propensity {_fmt(uplift['propensity_qini_coefficient'])})",
    ]
    for row in uplift.get("true_uplift_capture") or []:
        lines.append(
            f"  true uplift of top {row['targeted_share']:.0%}: "
            f"{row['true_uplift_by_uplift']:.4f} by uplift, "
            f"{row['true_uplift_by_propensity']:.4f} by propensity, "
            f"{row['true_uplift_random']:.4f} at random"
        )
    lines.append(f"  report   {uplift['report']}")
    return lines


def _drift_lines(summary: PipelineSummary, drifted: str) -> list[str]:
    if not summary.drift_report:  # not checked: nobody to score
        return [f"Drift: {why}" for why in summary.drift_findings.values()]
    return [
        f"Drift: {summary.drifted_feature_share:.1%} of features drifted{drifted};"
        f" prediction drift: {'yes' if summary.prediction_drift else 'no'}",
        *(f"  not tested: {c} ({why})" for c, why in summary.drift_findings.items()),
        f"  report   {summary.drift_report}",
    ]


def _offer_lines(summary: PipelineSummary) -> list[str]:
    lines = []
    if summary.customer_value:
        v = summary.customer_value
        lines += [
            v["text"],
            f"  responses valued at each customer's CLV (mean {v['mean_clv']:,.2f}) in "
            "expected profit",
        ]
    r = summary.recommendations
    if r:
        lines += [r["text"], f"  report   {r['report_path']}"]
    for offer in summary.top_offers:
        name = offer["product_name"] or offer["product_id"]
        lines.append(
            f"  first offer {offer['product_id']} {name} ({offer['category']}): "
            f"{offer['customers']:,} customers"
        )
    return lines


def render_summary(summary: PipelineSummary) -> str:
    drifted = f" ({', '.join(summary.drifted_features)})" if summary.drifted_features else ""
    lines = [
        f"Bullseye run {summary.run_id}  (as of {summary.as_of})",
        "",
        f"Model {summary.model_version}  [{summary.promotion}]",
        f"  split: {summary.split}; test: {', '.join(summary.test_periods)}",
        f"  test ROC AUC      {_fmt(summary.test_roc_auc)}",
        f"  baseline ROC AUC  {_fmt(summary.baseline_roc_auc)}  (logistic regression)",
        f"  oracle ROC AUC    {_fmt(summary.oracle_roc_auc)}  (true probabilities)",
        f"  top-decile lift   {_fmt(summary.top_decile_lift)}"
        f"  (baseline {_fmt(summary.baseline_top_decile_lift)})",
        f"  calibration       {summary.calibration}: Brier "
        f"{_fmt(summary.test_brier_before_calibration)} -> "
        f"{_fmt(summary.test_brier_after_calibration)}",
        f"  Optuna trials     {summary.tuning_trials} ({summary.tuning_pruned} pruned)",
        *(f"  LEAKAGE WARNING   {w}" for w in summary.leakage_warnings),
        f"  report   {summary.model_report}",
        *_uplift_lines(summary.uplift),
        "",
        f"Audience for '{summary.campaign_id}': {summary.audience_size} of "
        f"{summary.eligible_customers} eligible customers {summary.audience_by_group}",
        f"  scored by {summary.scoring_model_version} (champion); "
        f"policy {summary.policy['kind']}; "
        f"filters: {summary.audience_filters or 'none'}",
        *([f"  EMPTY    {summary.empty_audience_reason}"] if summary.empty_audience_reason else []),
        _economics_line(summary.audience_economics),
        "  excluded: "
        + ", ".join(
            f"{k.replace('_', ' ')} {v}"
            for k, v in summary.eligibility.items()
            if k not in ("customers", "eligible")
        ),
        "  since the last publication: "
        + ", ".join(f"{k} {summary.publication_diff[k]}" for k in ("entered", "exited", "stayed")),
        f"  CSV      {summary.audience_files['csv']}",
        f"  Parquet  {summary.audience_files['parquet']}",
        *_other_campaign_lines(summary),
        "",
        *_drift_lines(summary, drifted),
        *(f"  ALERT    {a['kind']}: {a['message']}" for a in summary.alerts),
        *([f"  retraining started: {summary.retraining}"] if summary.retraining else []),
        *_offer_lines(summary),
        f"Customer profiles: {summary.profile_report}",
        *(f"  not computed: {what} ({why})" for what, why in summary.profiles_not_computed.items()),
        "",
        "Rows: table        in   staged  duplicates  quarantined (by reason)",
    ]
    for table, r in summary.row_reconciliation.items():
        reasons = ", ".join(f"{k} {v}" for k, v in r["quarantined_by_reason"].items())
        lines.append(
            f"  {table:<11}{r['rows_in']:>9}{r['staged']:>9}{r['exact_duplicates']:>12}"
            f"{r['quarantined']:>13}  {reasons}"
        )
    lines += ["", f"Summary: {summary.summary_path}"]
    return "\n".join(lines)
