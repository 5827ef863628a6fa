-- Declared purchase_within targets: will the customer buy in the next horizon_days?
{{ behaviour_training('purchase_within') }}
