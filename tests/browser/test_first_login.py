"""First journey: a regional admin's first login, forced onboarding, dashboard, language."""

import re

from playwright.sync_api import expect


def test_first_login_onboarding_and_language(start_server, page) -> None:
    node = start_server("regional", "--tenant", "33.20", "--tenant-name", "Kabupaten Jepara")
    node.cli(
        "create-user", "--username", "admin.jepara", "--role", "admin", input="Diberikan2027\n"
    )

    page.goto(node.url)
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Nama pengguna").fill("admin.jepara")
    page.get_by_label("Kata sandi").fill("Diberikan2027")
    page.get_by_role("button", name="Masuk").click()

    # forced onboarding; the dashboard cannot be reached yet
    expect(page).to_have_url(re.compile(r"/onboarding"))
    page.goto(node.url + "dashboard")
    expect(page).to_have_url(re.compile(r"/onboarding"))

    page.get_by_label("Nama lengkap").fill("Siti Aminah")
    page.get_by_label("Surel").fill("siti@jepara.go.id")
    page.get_by_label("Telepon").fill("0291-591219")
    page.get_by_label("Kata sandi sekarang").fill("Diberikan2027")
    page.get_by_label("Kata sandi baru", exact=True).fill("lemah")
    page.get_by_label("Ulangi kata sandi baru").fill("lemah")
    page.get_by_role("button", name="Simpan dan lanjutkan").click()
    expect(page.get_by_text("Kata sandi harus memuat")).to_be_visible()
    # what was typed in the profile is still there
    expect(page.get_by_label("Nama lengkap")).to_have_value("Siti Aminah")

    page.get_by_label("Kata sandi sekarang").fill("Diberikan2027")
    page.get_by_label("Kata sandi baru", exact=True).fill("JeparaKuat2027")
    page.get_by_label("Ulangi kata sandi baru").fill("JeparaKuat2027")
    page.get_by_role("button", name="Simpan dan lanjutkan").click()

    expect(page).to_have_url(re.compile(r"/dashboard"))
    expect(page.get_by_role("heading", name="Dasbor")).to_be_visible()

    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    text, header = page.get_by_role("button", name="Log out").evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b.closest('header')).backgroundColor]"
    )
    assert text != header  # readable on the header, not drawn in its colour
