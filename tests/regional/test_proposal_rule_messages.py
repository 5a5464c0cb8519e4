"""Every rule's message on save, send and submit, on a regional node (cases shared with central)."""

from tests.proposal_rule_cases import (  # noqa: F401  (collected here, with this package's app)
    test_rule_message_on_save_keeps_the_text,
    test_rule_refuses_send_and_submit,
)
