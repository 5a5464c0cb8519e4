"""Central's reasons for refusing an item reach the node's admin in the language they read."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale

from sync.reasons import translate

TOO_LONG = {
    "id": "%(field)s is longer than %(limit)d characters",
    "args": {"field": "title", "limit": 300},
}
ENGLISH = "title is longer than 300 characters"  # what central wrote beside it


@pytest.fixture
def page(node_app: Flask):
    with node_app.test_request_context():
        yield


@pytest.mark.usefixtures("page")
def test_a_reason_names_the_field_as_the_form_labels_it() -> None:
    with force_locale("id"):
        assert translate(TOO_LONG, ENGLISH) == "Judul inovasi lebih dari 300 karakter"
    with force_locale("en"):
        english = translate(TOO_LONG, ENGLISH)
        assert english == "Title of the innovation is longer than 300 characters"


@pytest.mark.usefixtures("page")
@pytest.mark.parametrize(
    ("field", "indonesian"),
    [
        ("unit head_name", "Kepala unit"),  # as the unit form labels it
        ("unit", "Unit"),
        ("attachment filename", "Nama berkas"),
        ("sdgs_extra", "sdgs_extra"),  # a field this node does not know: its name
    ],
)
def test_a_reason_names_unit_and_attachment_fields_too(field: str, indonesian: str) -> None:
    message = {"id": "%(field)s is missing", "args": {"field": field}}
    with force_locale("id"):
        assert translate(message, "") == f"{indonesian} tidak ada"


@pytest.mark.usefixtures("page")
@pytest.mark.parametrize(
    "message",
    [
        None,  # an item rejected before centrals said why in messages
        {"id": "%(field)s is longer than %(limit)d characters", "args": {"field": "title"}},
        {"id": "%(limit)d characters at most", "args": {"limit": "many"}},
        {"id": 42, "args": {}},
        "not a message",
    ],
)
def test_a_reason_that_cannot_be_read_is_shown_as_central_wrote_it(message) -> None:
    with force_locale("id"):
        assert translate(message, ENGLISH) == ENGLISH


@pytest.mark.usefixtures("page")
def test_a_reason_this_node_does_not_know_yet_is_shown_in_english() -> None:
    newer = {"id": "a reason from a newer central about %(what)s", "args": {"what": "x"}}
    with force_locale("id"):
        assert translate(newer, "ignored") == "a reason from a newer central about x"


@pytest.mark.usefixtures("page")
@pytest.mark.parametrize(
    ("size", "shown"),
    [(1024 * 1024, "1.0 MB"), (64 * 1024 * 1024, "64.0 MB"), (5 * 1024 * 1024 // 2, "2.5 MB")],
)
def test_a_size_in_a_reason_is_shown_as_people_read_it(size: int, shown: str) -> None:
    """An argument that counts bytes (its name ends in ``_bytes``) is shown in MB, in the
    text to translate and in the English one beside it."""
    from sync.reasons import Reason

    template = "file %(name)s is larger than central accepts (limit %(max_bytes)s)"
    reason = Reason(template, {"name": "foto.pdf", "max_bytes": size})
    english = f"file foto.pdf is larger than central accepts (limit {shown})"
    assert str(reason) == english
    assert reason.as_dict()["args"]["max_bytes"] == size  # the number travels as it is
    with force_locale("en"):
        assert translate(reason.as_dict(), "ignored") == english
