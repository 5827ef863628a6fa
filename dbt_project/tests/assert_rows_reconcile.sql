-- Every landing row is accounted for: staged + exact duplicates + quarantined = rows in.
select
    table_name,
    max(rows_in) as rows_in,
    sum(row_count) as accounted
from {{ ref('dq_row_reconciliation') }}
group by table_name
having sum(row_count) <> max(rows_in) or min(row_count) < 0
