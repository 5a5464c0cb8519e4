"""Regional node defaults."""

from shared.config import BaseConfig


class RegionalConfig(BaseConfig):
    NODE_KIND = "regional"
