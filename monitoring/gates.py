"""Publication gates: a campaign whose monitoring raised alerts is not published until a person
acknowledges them (``bullseye monitor ack``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bullseye.core.ids import folder_name
from bullseye.core.jsonio import write_json_atomic
from monitoring.alerts import Alert


class PublicationGatedError(RuntimeError):
    """A campaign's publication waits for a person to acknowledge its alerts."""


class GateStore:
    """One JSON file per gated campaign under ``<monitoring>/gates``; acknowledged gates keep
    who acknowledged, when and why."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, campaign_id: str) -> Path:
        return self.folder / f"{folder_name(campaign_id)}.json"  # any id stays in the folder

    def get(self, campaign_id: str) -> dict | None:
        path = self._path(campaign_id)
        return json.loads(path.read_text()) if path.is_file() else None

    def _write(self, campaign_id: str, gate: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self._path(campaign_id), gate)

    def open(self, campaign_id: str, alerts: list[Alert], run_id: str) -> bool:
        """Gate the campaign on these alerts; returns False when the same alerts (kinds and
        features) were already acknowledged, so an accepted drift does not gate again."""
        current = self.get(campaign_id)
        signature = sorted([a.kind, *a.features] for a in alerts)
        if current and current.get("acknowledged") and current["signature"] == signature:
            return False
        self._write(
            campaign_id,
            {
                "campaign_id": campaign_id,
                "opened_at": datetime.now(UTC).isoformat(),
                "run_id": run_id,
                "alerts": [a.as_dict() for a in alerts],
                "signature": signature,
                "acknowledged": None,
            },
        )
        return True

    def is_blocked(self, campaign_id: str) -> bool:
        gate = self.get(campaign_id)
        return gate is not None and not gate["acknowledged"]

    def check(self, campaign_id: str) -> None:
        """Raise ``PublicationGatedError`` while the campaign's gate waits for acknowledgement."""
        gate = self.get(campaign_id)
        if gate is not None and not gate["acknowledged"]:
            reasons = "; ".join(a["message"] for a in gate["alerts"])
            raise PublicationGatedError(
                f"Publication of '{campaign_id}' is stopped by monitoring alerts ({reasons}). "
                f"Review the drift report of run {gate['run_id']}, then run "
                f"`bullseye monitor ack {campaign_id} --by <name>` to publish."
            )

    def acknowledge(self, campaign_id: str, by: str, note: str = "") -> dict:
        gate = self.get(campaign_id)
        if gate is None:
            raise KeyError(f"No gate for campaign {campaign_id!r}.")
        gate["acknowledged"] = {"by": by, "at": datetime.now(UTC).isoformat(), "note": note}
        self._write(campaign_id, gate)
        return gate

    def list(self) -> list[dict]:
        if not self.folder.is_dir():
            return []
        return [json.loads(p.read_text()) for p in sorted(self.folder.glob("*.json"))]
