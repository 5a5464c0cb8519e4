"""Central server defaults."""

from shared.config import BaseConfig


class CentralConfig(BaseConfig):
    NODE_KIND = "central"
    # The public account-request form: at most this many requests per address and window.
    ACCOUNT_REQUEST_MAX_PER_ADDR = 5
    ACCOUNT_REQUEST_WINDOW_SECONDS = 3600
    # National pages keep their rendered figures while the data is unchanged (central/pagecache.py)
    PAGE_CACHE_MAX_AGE = 60
    # Public answers: seconds a process trusts its last read of what they depend on
    # (central/public/cache.py); a change made by another worker shows within this time.
    PUBLIC_STAMP_MAX_AGE = 1.0
