{{ quarantine_rows('int_consents_checked') }}
