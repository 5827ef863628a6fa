{{ quarantine_rows('int_orders_checked') }}
