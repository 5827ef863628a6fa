{{ quarantine_rows('int_order_items_checked') }}
