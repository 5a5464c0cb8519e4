"""The central server's own tables (imported by the app factory so the metadata knows them)."""

from central.accounts.models import AccountRequest, RequestStatus
from central.screening.models import ScreeningCheck

__all__ = ["AccountRequest", "RequestStatus", "ScreeningCheck"]
