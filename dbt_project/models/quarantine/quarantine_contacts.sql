{{ quarantine_rows('int_contacts_checked') }}
