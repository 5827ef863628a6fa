{{ quarantine_rows('int_events_checked') }}
