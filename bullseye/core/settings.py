"""One typed settings object, read when asked for (never at import) and passed down.

Values come from, in order of precedence: keyword arguments, ``BULLSEYE_*`` environment
variables, a ``.env`` file, then ``bullseye.toml`` in the working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bullseye.core.quality import QualityThresholds
from bullseye.core.settings_groups import (
    MonitoringSettings,
    RecommendSettings,
    SparkSettings,
    ValueSettings,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


class Settings(MonitoringSettings):
    """Where Bullseye keeps its state, and the knobs every stage shares."""

    model_config = SettingsConfigDict(
        env_prefix="BULLSEYE_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        toml_file="bullseye.toml",
        frozen=True,
    )

    home: Path = Field(
        default=Path("bullseye_home"),
        description="Folder for the warehouse, models, runs and audiences (relative to cwd).",
    )
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Where the warehouse lives and dbt builds: the embedded DuckDB file, or "
        "Spark (a local session, or a cluster through spark.remote; docs/scale-out.md).",
    )
    dbt_target: str | None = Field(
        default=None,
        description="dbt target in profiles.yml (default: the engine's name, `duckdb` or `spark`).",
    )
    spark: SparkSettings = Field(
        default_factory=SparkSettings,
        description="Engine spark's session and training (BULLSEYE_SPARK__MASTER, ...).",
    )
    recommend: RecommendSettings = Field(
        default_factory=RecommendSettings,
        description="Product recommendations (BULLSEYE_RECOMMEND__K, ...).",
    )
    value: ValueSettings = Field(
        default_factory=ValueSettings,
        description="Customer lifetime value (BULLSEYE_VALUE__HORIZON_DAYS, ...).",
    )
    duckdb_memory_limit: str = Field(
        default="4GB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="Memory the embedded DuckDB warehouse may use before it spills to disk "
        "(DuckDB's own default is 80% of the machine, which a million customers' joins fill).",
    )
    landing_dir: Path | None = Field(
        default=None,
        description="Landing folder the scheduled deployments read (flows take it as a "
        "parameter too).",
    )
    warehouse_lock_timeout_s: float = Field(
        default=3_600,
        ge=0,
        description="How long a run waits for another run's warehouse writes (0: no lock, for "
        "warehouses that take concurrent writers).",
    )
    promotion_approval: bool = Field(
        default=False,
        description="Pause the run for a person to approve (in the Prefect UI) before a new "
        "model replaces the champion.",
    )
    pii_salt: str = Field(
        default="bullseye-dev-salt",
        description="Salt for pseudonymising ids, emails and phones; use a secret in production.",
    )
    seed: int = Field(default=42, description="Seed for every random step.")
    control_share: float = Field(default=0.10, ge=0.0, lt=1.0)
    frequency_cap_contacts: int = Field(
        default=1,
        ge=1,
        description="Frequency cap: customers with this many contacts in the last "
        "frequency_cap_days days are not eligible.",
    )
    frequency_cap_days: int = Field(default=14, ge=0, description="Frequency cap window (days).")
    global_holdout_share: float = Field(
        default=0.02,
        ge=0,
        lt=1,
        description="Stable share of all customers never contacted by any campaign, to measure "
        "the long-term effect of marketing.",
    )
    suppression_file: Path | None = Field(
        default=None,
        description="CSV or Parquet file with a customer_id column: customers never to contact "
        "(hashed with pii_salt like staging; raw ids go no further).",
    )
    webhook_url: str | None = Field(
        default=None,
        description="If set, every publication is also POSTed there as signed JSON-lines batches.",
    )
    webhook_secret: SecretStr = Field(
        default=SecretStr("bullseye-dev-webhook-secret"),
        description="HMAC-SHA256 key for the X-Bullseye-Signature header of webhook batches.",
    )
    webhook_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Seconds one webhook request may take (connecting, sending, each read of "
        "the answer) before it counts as failed.",
    )
    publish_attempts: int = Field(
        default=4,
        ge=1,
        le=20,
        description="Attempts of a campaign's publication (files, table, webhook; each "
        "all-or-nothing) before the run fails; the one retry layer, so a webhook that fails "
        "gets at most this many requests per batch.",
    )
    publish_backoff_s: float = Field(
        default=5.0,
        ge=0,
        description="Wait before the second publication attempt; doubles for each later one.",
    )
    exact_reason_codes_max_rows: int = Field(
        default=200_000,
        ge=0,
        description="Audiences up to this many rows get reason codes from exact TreeSHAP; "
        "larger ones from XGBoost's path attribution (about 15x faster: TreeSHAP took minutes "
        "for a million rows). The manifest records which.",
    )
    value_from_order_history: bool = Field(
        default=True,
        description="Value a customer's response at their average order value (falling back "
        "to the campaign's value_per_response) in expected-profit selection.",
    )
    n_trials: int = Field(default=25, ge=1, description="Optuna trial budget per training run.")
    tuning_timeout_s: float = Field(
        default=900.0,
        gt=0,
        description="Wall-clock cap on tuning (n_trials decides how many trials run; this only "
        "stops a study that would run far longer, so results do not depend on machine load).",
    )
    tuning_sample_rows: int = Field(
        default=50_000,
        ge=1_000,
        description="Optuna tunes on a seeded sample of at most this many training rows (and "
        "as many validation rows); the chosen parameters are then fitted on every training row, "
        "early-stopped on the whole validation set.",
    )
    optuna_storage: str | None = Field(
        default=None,
        description="Optuna storage URL shared by tuning workers on several machines "
        "(`postgresql+psycopg://user@host/db`; install the `postgres` extra); default a SQLite "
        "file in the home.",
    )
    tuning_workers: int = Field(
        default=1,
        ge=1,
        description="Optuna workers sharing one study (XGBoost threads are split among them).",
    )
    promotion_margin: float = Field(
        default=0.005,
        ge=0,
        description="ROC AUC a new model must gain over the champion, on the new model's test "
        "rows, to be promoted automatically (and the gain's paired 95% interval must not reach "
        "below zero); otherwise it waits as challenger.",
    )
    holdout_min_rows: int = Field(
        default=2_000,
        ge=1,
        description="Rows the test set and the validation set must each hold: the latest "
        "campaigns (or snapshots) are taken until they do (at most a quarter of the data each; "
        "less gives a warning).",
    )
    holdout_min_positives: int = Field(
        default=100, ge=1, description="Positives the test and validation sets must each hold."
    )
    segments_as_feature: bool = Field(
        default=False,
        description="Add the behavioural segment (k-means fitted on training rows) as a feature.",
    )
    min_distinct_scores: int = Field(
        default=10,
        ge=1,
        description="Refuse to publish when a campaign's scores take fewer distinct values than "
        "this (among at least 100 customers): the audience would be ranked by nothing.",
    )
    max_score_shift: float = Field(
        default=1.0,
        gt=0,
        description="Refuse to publish when the scores lie further than this from the model's "
        "test scores (Wasserstein distance in test standard deviations; the prediction-drift "
        "alert fires at prediction_drift_threshold, well before).",
    )
    targets_file: Path = Field(
        default=PROJECT_ROOT / "config" / "targets.yml",
        description="YAML file declaring the prediction targets.",
    )

    dq_max_quarantined_share: float = Field(
        default=0.05, ge=0, le=1, description="Gate: largest share of a table's rows quarantined."
    )
    dq_max_key_null_rate: float = Field(
        default=0.01, ge=0, le=1, description="Gate: largest share of null values in a key column."
    )
    dq_max_data_age_days: int | None = Field(
        default=30, ge=0, description="Gate: oldest acceptable newest row of orders and events."
    )

    @property
    def quality_thresholds(self) -> QualityThresholds:
        return QualityThresholds(
            self.dq_max_quarantined_share, self.dq_max_key_null_rate, self.dq_max_data_age_days
        )

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, home: Path) -> Path:
        return home.expanduser().resolve()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls),
        )

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse" / "bullseye.duckdb"

    @property
    def dbt_target_path(self) -> Path:
        """dbt's target folder (manifest, run results) for this home's builds: homes built at
        the same time on one machine never overwrite each other's."""
        return self.home / "dbt" / "target"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def audiences_dir(self) -> Path:
        return self.home / "audiences"

    @property
    def monitoring_dir(self) -> Path:
        """The Evidently workspace (one project per target) and the publication gates."""
        return self.home / "monitoring"

    @property
    def tuning_storage(self) -> str:
        """The Optuna storage URL: optuna_storage, or a SQLite file in the home."""
        return self.optuna_storage or f"sqlite:///{(self.home / 'optuna.sqlite3').resolve()}"

    @property
    def target_name(self) -> str:
        """The dbt target: dbt_target, or the engine's own output in profiles.yml."""
        return self.dbt_target or self.engine
