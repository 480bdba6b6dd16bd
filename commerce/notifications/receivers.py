"""Bridge from anymail's tracking signal to the suppression service."""

from __future__ import annotations

from typing import Any


def on_anymail_tracking(sender: Any, event: Any, esp_name: str = "", **kwargs: Any) -> None:
    from .services.suppression import tracking_event_record

    tracking_event_record(event, esp_name=esp_name)
