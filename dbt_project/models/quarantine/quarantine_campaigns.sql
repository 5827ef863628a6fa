{{ quarantine_rows('int_campaigns_checked') }}
