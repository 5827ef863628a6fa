-- Declared churn targets: will an active customer make no purchase in the next horizon_days?
{{ behaviour_training('churn') }}
