-- Current consent per customer and channel as of the run: the latest record wins.
with

consents as (
    select * from {{ ref('stg_landing__consents') }}
    where updated_at <= {{ as_of() }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id, channel order by updated_at desc, is_opted_in
        ) as recency_rank
    from consents
),

final as (
    select customer_id, channel, is_opted_in, updated_at
    from ranked
    where recency_rank = 1
)

select * from final
