-- No feature may use data dated at or after the example's as-of moment (contacted_at for
-- training). Two independent checks:
--  1. the newest source row that went into each feature family is older than as_of_at;
--  2. lifetime order count recomputed here from staging, strictly before contacted_at,
--     equals the feature (it would be larger if later orders had leaked in).
with

training as (
    select * from {{ ref('training_campaign_response') }}
),

late_sources as (
    select
        campaign_id,
        customer_id,
        'source row at or after as_of_at' as problem
    from training
    where
        source_max_ordered_at >= as_of_at
        or source_max_occurred_at >= as_of_at
        or source_max_contacted_at >= as_of_at
        or source_max_responded_at >= as_of_at
        or as_of_at <> contacted_at
),

recounted as (
    select
        training.campaign_id,
        training.customer_id,
        training.orders_total,
        count(orders.order_id) as expected
    from training
    left join {{ ref('stg_landing__orders') }} as orders
        on
            training.customer_id = orders.customer_id
            and orders.status = 'completed'
            and training.contacted_at > orders.ordered_at
    group by training.campaign_id, training.customer_id, training.orders_total
),

miscounted as (
    select
        campaign_id,
        customer_id,
        'orders_total counts orders at or after contacted_at' as problem
    from recounted
    where orders_total <> expected
)

select * from late_sources
union all
select * from miscounted
