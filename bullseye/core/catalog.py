"""Every relation and column name Python reads or writes, once, mirroring
dbt_project/models/marts (what dbt builds) and the tables runs write (segments, publications,
measurements). Python reads marts only: staging and intermediate relations are dbt's own.

Everything else in a training or scoring mart is a feature, so a feature added in dbt reaches
the model with no Python change.
"""

from __future__ import annotations

import pandas as pd

SCORING_RELATION = "marts.scoring_campaign"
ELIGIBILITY_RELATION = "marts.campaign_eligibility"
FEATURES_RELATION = "marts.customer_features"
PROFILES_RELATION = "marts.customer_profiles"
CAMPAIGNS_RELATION = "marts.campaigns"  # one row per staged campaign: economics, is_due
CONTACT_OUTCOMES_RELATION = "marts.campaign_contact_outcomes"  # closed-window contacts, labelled
SEGMENTS_RELATION = "marts.customer_segments"  # written by Python (ml/modelling/segments.py)
RECONCILIATION_RELATION = "audit.dq_row_reconciliation"
DQ_SUMMARY_RELATION = "audit.dq_summary"
# Written by runs, not by dbt:
MEMBERS_RELATION = "publish.audience_members"  # every published audience member
MEASUREMENTS_RELATION = "publish.campaign_measurements"  # one row per measured campaign
TEST_PLANS_RELATION = "publish.campaign_test_plans"  # one row per planned campaign test
ORDER_LINES_RELATION = "marts.order_lines"  # completed order lines: recommender interactions
PRODUCTS_RELATION = "marts.product_catalogue"
RECOMMENDATIONS_RELATION = "publish.recommendations"  # top products per customer (Python)
CUSTOMER_VALUE_RELATION = "publish.customer_value"  # predicted spend per customer (Python)
COMPLETED_ORDERS_RELATION = "marts.completed_orders"  # CLV history

CAMPAIGN_ID = "campaign_id"
CUSTOMER_ID = "customer_id"  # internal CRM id: never published
CUSTOMER_KEY = "customer_key"  # salted hash of customer_id: the id an audience carries
AS_OF_AT = "as_of_at"
CONTACTED_AT = "contacted_at"
CAMPAIGN_STARTS_AT = "campaign_starts_at"
TARGET_NAME = "target_name"
SNAPSHOT_AT = "snapshot_at"
# Every training mart: the example's period (campaign or snapshot) and its 0/1 label.
PERIOD_ID = "period_id"
PERIOD_AT = "period_at"
LABEL = "label"
TREATMENT = "treatment"  # 1 = sent, 0 = held out as control (campaign contacts)
CONTACTS_RELATION = "marts.training_campaign_contacts"

IDENTIFIER_COLUMNS = (
    CAMPAIGN_ID,
    CUSTOMER_ID,
    CUSTOMER_KEY,
    AS_OF_AT,
    CONTACTED_AT,
    CAMPAIGN_STARTS_AT,
    TARGET_NAME,
    SNAPSHOT_AT,
    PERIOD_ID,
    PERIOD_AT,
    TREATMENT,
)
AUDIT_PREFIX = "source_max_"  # newest source row used per feature family (leakage audit)
CATEGORICAL_FEATURES = ("region", "gender", "campaign_channel", "campaign_category")
# A campaign's own attr_<name> columns (landing campaigns) are features named
# campaign_attr_<name> in the marts keyed by campaign: training rows carry their campaign's
# values, scoring rows the campaign being scored. Like every other feature, a numeric one stays
# numeric and a text one is categorical (ml/modelling/data.py FeatureSpec). Contact attr_*
# columns are not features: they do not exist before the contact (null at scoring).
CAMPAIGN_ATTR_PREFIX = "campaign_attr_"
# Features that describe the campaign rather than the customer: they differ between past and
# upcoming campaigns by design, so drift checks leave them out (with every campaign_attr_*).
CAMPAIGN_CONTEXT_FEATURES = (
    "campaign_channel",
    "campaign_category",
    "campaign_category_spend_share_365d",
    "campaign_category_views_90d",
)

# Features that count campaigns: one more campaign has always happened between a model's test
# campaign and the next scoring run, so they shift by the campaign calendar, not by a change in
# customers; drift checks leave them out too.
CAMPAIGN_CALENDAR_FEATURES = ("past_contacts", "days_since_last_contact")
NOT_DRIFT_CHECKED = (*CAMPAIGN_CONTEXT_FEATURES, *CAMPAIGN_CALENDAR_FEATURES)


def is_drift_checked(feature: str) -> bool:
    """Whether drift checks compare this feature (campaign context and calendar: not)."""
    return feature not in NOT_DRIFT_CHECKED and not feature.startswith(CAMPAIGN_ATTR_PREFIX)


# Optional landing tables whose features dbt leaves out of every feature mart when the landing
# holds none of their rows (macro landing_has), each with one feature that is there otherwise.
OPTIONAL_FEATURE_SOURCES = {"orders": "orders_total", "events": "events_90d"}


def absent_sources(frame: pd.DataFrame) -> list[str]:
    """The optional landing tables whose features a mart lacks (the landing had no rows)."""
    return [t for t, marker in OPTIONAL_FEATURE_SOURCES.items() if marker not in frame.columns]


# What Python relies on in each mart whose other columns are data-dependent (features per
# category and attr_* columns make an enforced dbt contract impossible there).
TRAINING_REQUIRED = (CUSTOMER_ID, CUSTOMER_KEY, AS_OF_AT, PERIOD_ID, PERIOD_AT, LABEL)
SCORING_REQUIRED = (CAMPAIGN_ID, CUSTOMER_ID, CUSTOMER_KEY, AS_OF_AT)


class MartSchemaError(ValueError):
    """A mart lacks a column Python reads: the dbt project and bullseye/core/catalog.py disagree."""


def require_columns(frame: pd.DataFrame, relation: str, required: tuple[str, ...]) -> pd.DataFrame:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise MartSchemaError(
            f"{relation} lacks column(s) {', '.join(missing)} that Bullseye reads; rebuild the "
            "warehouse with this version's dbt project (bullseye run / bullseye train)."
        )
    return frame


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Every model input column of a mart, in the mart's order."""
    return [
        c
        for c in frame.columns
        if c not in IDENTIFIER_COLUMNS and c != LABEL and not c.startswith(AUDIT_PREFIX)
    ]
