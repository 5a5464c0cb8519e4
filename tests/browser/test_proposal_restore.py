"""Unsaved text offered back after a lost session, when someone saved in between: only what
the person changed is put back, and a field both changed goes through the edit-conflict check
(nothing is overwritten unseen). A new-proposal form saved again after Back makes no second
draft."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_proposal_form import _login, _seed

THEIR_TITLE = "SIGAP Lansia Jepara (judul dari rekan)"


def _new_proposal(page, url: str, title: str) -> str:
    """Write a proposal with a title and save it; the URL of its edit page."""
    page.goto(url + "proposals/new")
    page.get_by_label("Judul inovasi").fill(title)
    page.get_by_label("Inovator atau tim").fill("Tim SIGAP Puskesmas Bangsri")
    page.get_by_role("button", name="Simpan proposal").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+/edit"))
    page.wait_for_load_state("load")  # the script keeps what is typed from here on
    return page.url.split("?")[0].split("#")[0]


def _colleague_saves_title(browser, edit_url: str) -> None:
    """The same proposal, saved from another browser by a colleague (same unit account)."""
    context = browser.new_context(locale="id-ID")
    other = context.new_page()
    other.goto(edit_url)
    _login(other)
    expect(other).to_have_url(re.compile(r"/proposals/\d+/edit"))
    other.get_by_label("Judul inovasi").fill(THEIR_TITLE)
    other.get_by_role("button", name="Simpan proposal").click()
    expect(other.locator(".flash").first).to_contain_text("Tersimpan")
    context.close()


def _lose_session_and_come_back(page, edit_url: str) -> None:
    page.context.clear_cookies()
    page.goto(edit_url)
    expect(page).to_have_url(re.compile(r"/login"))
    _login(page)
    expect(page).to_have_url(re.compile(r"/proposals/\d+/edit"))


def test_restore_puts_back_only_what_was_changed(start_server, page, browser) -> None:
    node = start_server("regional", "--tenant", "33.20", "--tenant-name", "Kabupaten Jepara")
    _seed(node.instance)
    page.goto(node.url + "login")
    _login(page)
    edit_url = _new_proposal(page, node.url, "SIGAP Lansia")

    # typed here, not saved; meanwhile a colleague saves a new title
    page.get_by_label("Narahubung", exact=True).fill("dr. Rina Wulandari")
    _colleague_saves_title(browser, edit_url)
    _lose_session_and_come_back(page, edit_url)

    # the page shows the colleague's title; restoring brings back the contact only
    expect(page.get_by_label("Judul inovasi")).to_have_value(THEIR_TITLE)
    expect(page.get_by_label("Narahubung", exact=True)).to_have_value("")
    page.get_by_role("button", name="Pulihkan teks yang belum tersimpan").click()
    expect(page.get_by_label("Narahubung", exact=True)).to_have_value("dr. Rina Wulandari")
    expect(page.get_by_label("Judul inovasi")).to_have_value(THEIR_TITLE)
    page.get_by_role("button", name="Simpan proposal").click()
    expect(page.locator(".flash").first).to_contain_text("Tersimpan")
    page.reload()
    expect(page.get_by_label("Judul inovasi")).to_have_value(THEIR_TITLE)
    expect(page.get_by_label("Narahubung", exact=True)).to_have_value("dr. Rina Wulandari")
    expect(page.locator("#draft-restore")).to_be_hidden()


def test_a_field_changed_on_both_sides_goes_through_the_conflict_check(
    start_server, page, browser
) -> None:
    node = start_server("regional", "--tenant", "33.20", "--tenant-name", "Kabupaten Jepara")
    _seed(node.instance)
    page.goto(node.url + "login")
    _login(page)
    edit_url = _new_proposal(page, node.url, "SIGAP Lansia")

    # the title typed here (not saved) and by a colleague (saved)
    page.get_by_label("Judul inovasi").fill("SIGAP Lansia (judul saya)")
    _colleague_saves_title(browser, edit_url)
    _lose_session_and_come_back(page, edit_url)

    page.get_by_role("button", name="Pulihkan teks yang belum tersimpan").click()
    expect(page.get_by_label("Judul inovasi")).to_have_value("SIGAP Lansia (judul saya)")
    # saving is refused: the colleague's title is shown under the field, nothing overwritten
    page.get_by_role("button", name="Simpan proposal").click()
    expect(page.locator(".flash.error")).to_be_visible()
    expect(page.locator('.saved-version[data-field="title"]')).to_contain_text(THEIR_TITLE)
    expect(page.get_by_label("Judul inovasi")).to_have_value("SIGAP Lansia (judul saya)")
    expect(page.locator('.saved-version[data-field="innovator"]')).to_have_count(0)
    # the person chooses (here: keeps their own title) and saves again
    page.get_by_role("button", name="Simpan proposal").click()
    expect(page.locator(".flash").first).to_contain_text("Tersimpan")
    expect(page.get_by_label("Judul inovasi")).to_have_value("SIGAP Lansia (judul saya)")


def test_back_and_save_again_makes_no_second_draft(start_server, page) -> None:
    node = start_server("regional", "--tenant", "33.20", "--tenant-name", "Kabupaten Jepara")
    _seed(node.instance)
    page.goto(node.url + "login")
    _login(page)
    edit_url = _new_proposal(page, node.url, "SIGAP Lansia")

    # Back to the new form, Save again as it is: the same draft
    page.go_back()
    expect(page).to_have_url(re.compile(r"/proposals/new"))
    page.get_by_role("button", name="Simpan proposal").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+/edit"))
    assert page.url.split("?")[0].split("#")[0] == edit_url

    # Back again, something changed, Save: the draft is shown with both versions to choose
    page.go_back()
    expect(page).to_have_url(re.compile(r"/proposals/new"))
    page.get_by_label("Inovator atau tim").fill("Tim SIGAP dan Kader Desa")
    page.get_by_role("button", name="Simpan proposal").click()
    expect(page.locator(".flash.error")).to_be_visible()
    expect(page.locator('.saved-version[data-field="innovator"]')).to_contain_text(
        "Tim SIGAP Puskesmas Bangsri"
    )
    page.get_by_role("button", name="Simpan proposal").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+/edit"))
    assert page.url.split("?")[0].split("#")[0] == edit_url
    expect(page.get_by_label("Inovator atau tim")).to_have_value("Tim SIGAP dan Kader Desa")

    page.goto(node.url + "proposals/")
    assert page.locator("main").inner_text().count("SIGAP Lansia") == 1
