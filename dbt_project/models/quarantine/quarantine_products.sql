{{ quarantine_rows('int_products_checked') }}
