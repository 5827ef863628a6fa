"""``publish.audience_members`` on engine spark: the same destination as the DuckDB table
(``ml.activation.destinations.WarehouseDestination``), written from Spark.

Spark tables (Parquet in the Hive metastore) have no transactions, so the table is partitioned
by (campaign_id, run_date) and a publication replaces exactly its own partition: ``stage``
writes the rows to a staging table nobody reads, ``commit`` overwrites the one partition from it
in a single Spark job (Spark's file committer moves the new files in only when the job has
succeeded: a crash before leaves the previous partition whole), ``abort`` drops the staging
table. The audience files stay the publication of record; the journal in
``ml.activation.publish`` settles a crash between the two commits, asking ``holds``.
"""

from __future__ import annotations

import pandas as pd

from bullseye.core import spark
from bullseye.core.catalog import CAMPAIGN_ID, MEMBERS_RELATION
from bullseye.core.settings import Settings
from ml.activation.publish import PublicationRequest

STAGING = MEMBERS_RELATION + "__staging"
PARTITION = (CAMPAIGN_ID, "run_date")


class SparkTableDestination:
    name = "warehouse"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._partition: dict | None = None
        self._empty = False

    def _session(self):
        return spark.session(self.settings)

    def stage(self, frame: pd.DataFrame, manifest: dict, request: PublicationRequest) -> None:
        session = self._session()
        rows = frame.assign(
            run_date=request.run_date.isoformat(), published_at=pd.Timestamp(manifest["at"])
        )
        # the partition columns last, as Spark keeps them in a partitioned table
        rows = rows[[c for c in rows.columns if c not in PARTITION] + list(PARTITION)]
        self._partition = {CAMPAIGN_ID: request.campaign_id, "run_date": request.run_date}
        self._empty = rows.empty
        if self._empty:  # nothing to stage: the commit drops the partition
            return
        session.sql(f"create database if not exists {MEMBERS_RELATION.split('.')[0]}")
        staged = session.createDataFrame(rows)
        staged.write.mode("overwrite").saveAsTable(STAGING)
        if not session.catalog.tableExists(MEMBERS_RELATION):
            staged.limit(0).write.partitionBy(*PARTITION).saveAsTable(MEMBERS_RELATION)

    def holds(self, entry: dict) -> bool:
        """Whether the table holds exactly the run's rows for the journal entry's partition."""
        session = self._session()
        if not session.catalog.tableExists(MEMBERS_RELATION):
            return not entry["rows"]
        counts = session.sql(
            f"select run_id, count(*) as n from {MEMBERS_RELATION} "
            f"where {CAMPAIGN_ID} = ? and run_date = ? group by run_id",
            args=[entry[CAMPAIGN_ID], str(entry["run_date"])[:10]],
        ).collect()
        found = {row["run_id"]: row["n"] for row in counts}
        return found == ({entry["run_id"]: entry["rows"]} if entry["rows"] else {})

    def commit(self) -> None:
        session = self._session()
        if self._empty:  # nobody in the audience: the partition goes, rows and all
            if not session.catalog.tableExists(MEMBERS_RELATION):
                return
            session.sql(
                f"alter table {MEMBERS_RELATION} drop if exists partition "
                f"({CAMPAIGN_ID} = ?, run_date = ?)",
                args=[self._partition[CAMPAIGN_ID], self._partition["run_date"].isoformat()],
            )
        else:
            session.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
            columns = session.table(MEMBERS_RELATION).columns
            session.table(STAGING).select(*columns).write.insertInto(
                MEMBERS_RELATION, overwrite=True
            )
        self.abort()

    def abort(self) -> None:
        self._session().sql(f"drop table if exists {STAGING}")
        self._partition = None

    def finalize(self) -> None:
        pass
