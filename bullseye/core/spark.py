"""The warehouse on Spark (engine ``spark``): the session, and the landing as Spark tables.

Bullseye starts one Spark session per process (pyspark imported only here, and only on engine
``spark``: it is the optional ``spark`` extra). dbt-spark's ``method: session`` profile then
finds that session (``getOrCreate``) and builds the same models in it. On one machine the
session is ``local[N]`` with a Hive metastore in the home (Derby, one process at a time, like
the DuckDB file); on a cluster ``spark.remote`` (BULLSEYE_SPARK__REMOTE) points at its Spark
Connect server and the cluster's own metastore holds the tables.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from bullseye.core.contract import CONTRACT, LANDING_FILE_COLUMN, Kind, LandingInventory
from bullseye.core.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_SPARK_TYPE = {
    Kind.STRING: "string",
    Kind.TIMESTAMP: "timestamp",
    Kind.NUMBER: "double",
    Kind.INTEGER: "int",
    Kind.BOOLEAN: "boolean",
}

_lock = threading.Lock()
LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")


class SparkNotInstalledError(RuntimeError):
    """Engine ``spark`` without the ``spark`` extra installed."""


def warehouse_dir(settings: Settings) -> str:
    return settings.spark.warehouse_dir or str(settings.home / "warehouse" / "spark")


def spark_conf(settings: Settings) -> dict[str, str]:
    """The session's configuration (also what profiles.yml's spark output reads, through
    ``dbt_env``): warehouse and metastore in the home, UTC, partitions sized to the machine."""
    conf = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(settings.spark.shuffle_partitions),
        "spark.sql.warehouse.dir": warehouse_dir(settings),
        "spark.ui.showConsoleProgress": "false",
        # dbt's models compare timestamps with literals and cast text; ANSI mode (Spark 4's
        # default) raises on a bad cast where the models expect null (they use try_cast where
        # a value may be bad, and quarantine it).
        "spark.sql.ansi.enabled": "false",
        # pandas writes Parquet timestamps in nanoseconds, which Spark refuses to read as
        # timestamps; read as longs, the landing loader turns them back (_nanos_as_timestamps)
        "spark.sql.legacy.parquet.nanosAsLong": "true",
    }
    if not settings.spark.remote:
        metastore = settings.home / "warehouse" / "spark-metastore"
        conf |= {
            "spark.master": settings.spark.master,
            # The embedded Derby metastore lives in the home, not in the working directory.
            "spark.hadoop.javax.jdo.option.ConnectionURL": (
                f"jdbc:derby:;databaseName={metastore / 'metastore_db'};create=true"
            ),
            "spark.driver.extraJavaOptions": (
                f"-Dderby.system.home={metastore} -Dlog4j2.configurationFile={LOG_CONFIG}"
            ),
        }
    return conf


def session(settings: Settings) -> SparkSession:
    """This process's Spark session for ``settings`` (started on first use; restarted when a
    different home asks, as tests do: a local session's metastore is fixed at start)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkNotInstalledError(
            "engine spark needs the spark extra: `uv sync --extra spark` (or pip install "
            "'bullseye[spark]'); see docs/scale-out.md."
        ) from None
    conf = spark_conf(settings)
    with _lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            if active.conf.get("spark.sql.warehouse.dir", None) == conf["spark.sql.warehouse.dir"]:
                return active
            active.stop()
        # Python workers (pandas UDFs, XGBoost's tasks) run this interpreter, not the PATH's.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        (settings.home / "warehouse").mkdir(parents=True, exist_ok=True)
        builder = SparkSession.builder.appName("bullseye")
        if settings.spark.remote:
            # dbt-spark's session method asks the builder for a session in each of its
            # threads: SPARK_REMOTE makes those sessions of the same Spark Connect server
            os.environ["SPARK_REMOTE"] = settings.spark.remote
            builder = builder.remote(settings.spark.remote)
        else:
            builder = builder.enableHiveSupport()
        for key, value in conf.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        # pyspark logs every SQL error it raises, JVM stack and all, before the caller sees
        # it; dbt-spark probes for relations that need not exist and handles the error. The
        # exceptions still reach their callers.
        from pyspark.logger import PySparkLogger

        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)
        if not settings.spark.remote:
            spark.sparkContext.setLogLevel("ERROR")
        return spark


def _landing_frame(spark: SparkSession, name: str, inventory: LandingInventory) -> DataFrame:
    """One landing table as a DataFrame: its files unioned by column name (like DuckDB's
    union_by_name), CSV as text, every contract column present, and the file each row came
    from."""
    from functools import reduce

    from pyspark.sql import functions as F  # noqa: N812

    table = inventory.tables[name]
    contract = CONTRACT[name]
    if not table.files:
        columns = [f"cast(null as {_SPARK_TYPE[c.kind]}) as {c.name}" for c in contract.columns]
        columns.append(f"cast(null as string) as {LANDING_FILE_COLUMN}")
        return spark.sql(f"select {', '.join(columns)} where 1 = 0")
    frames = []
    for path in table.files:
        reader = spark.read
        frame = (
            _nanos_as_timestamps(reader.parquet(str(path)), path)
            if table.file_format == "parquet"
            # as DuckDB reads CSV: every value text, RFC 4180 quoting ("" inside quotes),
            # line breaks inside quoted values, the empty string kept apart from null
            else reader.options(
                header="true",
                encoding="UTF-8",
                escape='"',
                multiLine="true",
                emptyValue="",
                sep=_csv_delimiter(path),
            ).csv(str(path))
        )
        # the path as given, as DuckDB's filename column has it (Spark's own is a file: URI)
        frames.append(frame.withColumn(LANDING_FILE_COLUMN, F.lit(str(path))))
    combined = reduce(
        lambda a, b: a.unionByName(b, allowMissingColumns=True), _as_text_where_mixed(frames)
    )
    for column in contract.columns:
        if column.name not in combined.columns:
            combined = combined.withColumn(column.name, F.lit(None).cast(_SPARK_TYPE[column.kind]))
    return combined


def _nanos_as_timestamps(frame: DataFrame, path) -> DataFrame:
    """The Parquet file's nanosecond timestamp columns (read as longs, see spark_conf) as
    timestamps again, to the microsecond, as DuckDB reads them. The file's footer says which
    columns they are."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F  # noqa: N812

    nanos = [
        field.name
        for field in pq.read_schema(path)
        if pa.types.is_timestamp(field.type) and field.type.unit == "ns"
    ]
    for name in nanos:
        frame = frame.withColumn(name, F.timestamp_micros(F.floor(F.col(name) / 1000)))
    return frame


def _csv_delimiter(path) -> str:
    """The delimiter of a CSV file's header line, as DuckDB's sniffer finds it for the files
    Bullseye reads (a comma, semicolon, tab or bar; the most frequent wins): Spark's reader
    has no sniffer and would read a semicolon file as one column."""
    with open(path, encoding="utf-8", errors="replace", newline="") as file:
        header = file.readline()
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _as_text_where_mixed(frames: list[DataFrame]) -> list[DataFrame]:
    """A column typed differently in two files (boolean in one, text in another) becomes text
    in all, as DuckDB's union_by_name promotes it; staging then casts it as it casts any text.
    Numbers of different widths are left for Spark's union to widen, as DuckDB does."""
    from pyspark.sql.types import NumericType

    kinds: dict[str, set] = {}
    for frame in frames:
        for field in frame.schema.fields:
            kinds.setdefault(field.name, set()).add(field.dataType)
    mixed = {
        name
        for name, types in kinds.items()
        if len(types) > 1 and not all(isinstance(t, NumericType) for t in types)
    }
    if not mixed:
        return frames
    return [
        frame.select(
            *[frame[c].cast("string").alias(c) if c in mixed else frame[c] for c in frame.columns]
        )
        for frame in frames
    ]


def hashed_sample(frame: DataFrame, fraction: float, seed: int, *columns: str) -> DataFrame:
    """About ``fraction`` of the rows, chosen by a hash of ``columns`` and the seed: the same
    rows however Spark partitions the data (``DataFrame.sample`` depends on partitioning)."""
    if fraction >= 1:
        return frame
    from pyspark.sql import functions as sf

    bucket = sf.pmod(sf.xxhash64(*(sf.col(c) for c in columns), sf.lit(seed)), sf.lit(10**6))
    return frame.where(bucket < int(fraction * 10**6))


def to_pandas(frame: DataFrame):
    """A Spark DataFrame as DuckDB's reads return it: timestamps naive UTC in microseconds.
    ``DataFrame.toPandas`` makes them nanoseconds, which end in 2262, and a quarantined order
    dated 2999 then fails the read."""
    import pandas as pd

    out = frame.toArrow().to_pandas(coerce_temporal_nanoseconds=False)
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def register_landing(inventory: LandingInventory, settings: Settings) -> None:
    """Load every landing table into Spark's ``landing`` database (a copy in the warehouse,
    as an EL tool would load it: Spark SQL views cannot read a list of files by name)."""
    spark = session(settings)
    spark.sql("create database if not exists landing")
    for name in CONTRACT:
        frame = _landing_frame(spark, name, inventory)
        frame.write.mode("overwrite").saveAsTable(f"landing.{name}")


def write_scoring_requests(settings: Settings, campaign_ids: list[str]) -> None:
    """``landing.scoring_requests`` on Spark (ids as data, never SQL text)."""
    spark = session(settings)
    spark.sql("create database if not exists landing")
    frame = spark.createDataFrame([(c,) for c in campaign_ids], "campaign_id string")
    frame.write.mode("overwrite").saveAsTable("landing.scoring_requests")


def write_frame(settings: Settings, relation: str, frame) -> None:
    """Replace a Spark table with a pandas DataFrame (results computed in Python)."""
    spark = session(settings)
    spark.sql(f"create database if not exists {relation.split('.')[0]}")
    spark.createDataFrame(frame).write.mode("overwrite").saveAsTable(relation)


def replace_rows(settings: Settings, relation: str, frame, key: dict) -> None:
    """Replace the rows of a small history table matching ``key`` with ``frame``: read, swap
    the rows, write back whole (a Spark table has no transactional delete, and Spark cannot
    overwrite a table from a query reading it). Meant for tables of one row per campaign."""
    import pandas as pd

    spark = session(settings)
    if spark.catalog.tableExists(relation):
        kept = to_pandas(spark.table(relation))
        for column, value in key.items():
            kept = kept[kept[column] != value]
        frame = pd.concat([kept, frame], ignore_index=True)
    write_frame(settings, relation, frame)
