-- One row per customer: behaviour and attributes as of the run's as-of moment.
with

spine as (
    select customer_id, {{ as_of() }} as as_of_at
    from {{ ref('stg_landing__customers') }}
    where signup_at <= {{ as_of() }}
),

features as (
    {{ point_in_time_features('spine', ['customer_id']) }}
),

final as (
    select * from features
)

select * from final
