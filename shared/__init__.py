"""Code shared by the central server and the regional nodes: models, services, web pieces."""

SCHEMA_VERSION = 1  # bumped when the sync payload format changes (see sync/protocol.py)
