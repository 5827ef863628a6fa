{{ quarantine_rows('int_responses_checked') }}
