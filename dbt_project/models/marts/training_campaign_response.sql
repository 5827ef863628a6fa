-- One example per contact that was sent and whose response window has closed (controls were
-- not sent, so they say nothing about who responds to a send). Features as of contacted_at.
-- A view: a filter of training_campaign_contacts, read once per training run.
{{ config(materialized='view') }}

select * from {{ ref('training_campaign_contacts') }}
where treatment = 1
