-- Every contact (sent or control) whose response window has closed by the run's as-of moment,
-- with its outcome (int_contacts_labelled) and the customer's pseudonymous key: what campaign
-- measurement reads. One row per campaign and customer.
with

contacts as (
    select * from {{ ref('int_contacts_labelled') }}
),

customers as (
    select
        customer_id,
        customer_key
    from {{ ref('stg_landing__customers') }}
),

final as (
    select
        contacts.*,
        customers.customer_key
    from contacts
    left join customers on contacts.customer_id = customers.customer_id
)

select * from final
