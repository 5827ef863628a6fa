-- No feature of a campaign-response training mart uses data dated at or after contacted_at
-- (macros/training_point_in_time.sql).
{{ training_point_in_time_problems([
    ('training_campaign_contacts', 'contacted_at', 'campaign_id'),
    ('training_campaign_response', 'contacted_at', 'campaign_id'),
]) }}
