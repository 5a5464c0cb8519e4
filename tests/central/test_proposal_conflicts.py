"""The stale-page and repeated-post checks of the proposal and unit pages, on central's
databases (SQLite and PostgreSQL, where a check locks the row it compares before writing:
shared.services.versions)."""

from tests.regional.conftest import competition, unit  # noqa: F401  (the tests' fixtures)
from tests.regional.test_proposal_conflicts import (  # noqa: F401  (collected here)
    test_a_comment_posted_twice_is_stored_once,
    test_a_new_proposal_form_posted_twice_makes_one_draft,
    test_a_return_posted_twice_adds_one_comment,
    test_a_section_saved_on_its_own_is_not_wiped_by_a_stale_whole_form,
    test_a_stale_edit_form_writes_nothing_and_shows_the_saved_version,
    test_a_submit_posted_twice_makes_one_revision,
    test_a_verify_posted_twice_verifies_once,
    test_return_needs_the_version_the_page_showed,
    test_submit_needs_the_version_the_page_showed,
    test_the_language_switch_on_a_refused_form_keeps_its_address,
    test_the_language_switch_on_a_refused_step_shows_the_page_again,
    test_verify_is_refused_after_a_colleague_returned_it,
    test_verify_needs_the_version_the_page_showed,
)
from tests.regional.test_units import (  # noqa: F401  (collected here)
    admin,
    test_a_stale_unit_form_writes_nothing_and_shows_the_saved_version,
)
