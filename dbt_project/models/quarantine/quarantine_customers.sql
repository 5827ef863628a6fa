{{ quarantine_rows('int_customers_checked') }}
