"""Central server defaults."""

from shared.config import BaseConfig


class CentralConfig(BaseConfig):
    NODE_KIND = "central"
