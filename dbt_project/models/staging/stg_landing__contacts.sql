with checked as (
    select * from {{ ref('int_contacts_checked') }}
),

final as (
    select
        campaign_id,
        customer_id,
        contacted_at,
        is_control
        {{- attr_list(source('landing', 'contacts')) }}
    from checked
    where reject_reason is null
)

select * from final
