"""One pseudonymisation: the customer_key of a raw id, as every engine's staging computes it
(the dbt macro ``pseudonymize``: SHA-256 of the salt followed by the id, as lower-case hex).
Used where raw ids reach Bullseye outside the warehouse, such as suppression files."""

from __future__ import annotations

import hashlib


def pseudonymise(customer_ids, salt: str) -> set[str]:
    """The customer_key of raw CRM ids: sha256(salt || id), as staging computes it."""
    return {hashlib.sha256(f"{salt}{c}".encode()).hexdigest() for c in customer_ids}
