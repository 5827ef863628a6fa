{#- Generic test: no two rows share the same values in `combination` (composite keys). -#}
{% test unique_combination(model, combination) %}
select {{ combination | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1
{% endtest %}
