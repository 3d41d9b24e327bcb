"""Persistence: SQLAlchemy tables and the Store (engine + sessions + upgrades)."""

from monitor.store.db import Store, safe_url
from monitor.store.schema import (
    Capture,
    Change,
    Document,
    OutboxMessage,
    Provision,
    Run,
    Service,
    Snapshot,
    Subscriber,
    Version,
)

__all__ = [
    "Capture",
    "Change",
    "Document",
    "OutboxMessage",
    "Provision",
    "Run",
    "Service",
    "Snapshot",
    "Store",
    "Subscriber",
    "Version",
    "safe_url",
]
