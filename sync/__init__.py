"""Sync between regional nodes and the central server (outbox, batches, transport, ingest)."""
