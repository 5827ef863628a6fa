-- No feature of a purchase-within or churn training mart uses data dated at or after its
-- snapshot (macros/training_point_in_time.sql). Built and run with those marts only.
{{ config(tags=['behaviour_training']) }}
{{ training_point_in_time_problems([
    ('training_purchase_within', 'snapshot_at', 'target_name'),
    ('training_churn', 'snapshot_at', 'target_name'),
]) }}
