"""Login, throttling, first-login onboarding, password policy, language, CSRF."""

from urllib.parse import urlsplit

import pytest

from shared.models import AuditLog, LoginAttempt, Role, User
from tests.conftest import PASSWORD, login


def test_login_and_logout(client, factory, tenant) -> None:
    user = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    response = login(client, user.username)
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, factory, tenant) -> None:
    user = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    response = login(client, user.username, "Salah123456")
    assert response.status_code == 400
    assert "Nama pengguna atau kata sandi salah" in response.get_data(as_text=True)


def test_login_is_throttled_after_repeated_failures(client, factory, tenant) -> None:
    user = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    for _ in range(5):
        login(client, user.username, "Salah123456")
    response = login(client, user.username)  # right password, but throttled
    assert response.status_code == 400
    assert "Terlalu banyak percobaan gagal" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    assert factory.count(LoginAttempt) == 5


def test_first_login_cannot_be_skipped(client, factory, tenant) -> None:
    user = factory.user(Role.LOCAL_ADMIN, tenant=tenant, onboarded=False)
    response = login(client, user.username)
    assert response.status_code == 302
    for path in ("/dashboard", "/account/password", "/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/onboarding")
    form = {
        "full_name": "Siti Aminah",
        "email": "siti@jepara.go.id",
        "phone": "0291-591219",
        "position": "Kasubag Kelembagaan",
        "current_password": PASSWORD,
        "password": "BaruSekali2027",
        "confirm_password": "BaruSekali2027",
    }
    response = client.post("/onboarding", data=form)
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    stored = factory.get(User, user.id)
    assert stored.full_name == "Siti Aminah"
    assert not stored.needs_onboarding
    assert factory.count(AuditLog, AuditLog.action == "user.password_change") == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Pendek1", "sedikitnya 10 karakter"),
        ("semuakecil123", "huruf besar"),
        ("SEMUABESAR123", "huruf kecil"),
        ("TanpaAngkaSama", "angka"),
    ],
)
def test_weak_passwords_are_refused(client, factory, tenant, password, message) -> None:
    user = factory.user(Role.OPERATOR, tenant=tenant, onboarded=False)
    login(client, user.username)
    form = {
        "full_name": "Budi",
        "email": "budi@jepara.go.id",
        "phone": "0812",
        "current_password": PASSWORD,
        "password": password,
        "confirm_password": password,
    }
    response = client.post("/onboarding", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    stored = factory.get(User, user.id)
    assert stored.needs_onboarding and stored.full_name != "Budi"


def test_password_change_logs_out_other_sessions(app, client, factory, tenant) -> None:
    user = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    other = app.test_client()
    login(client, user.username)
    login(other, user.username)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "GantiLagi2027",
            "confirm_password": "GantiLagi2027",
        },
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_language_switch(client, factory, tenant) -> None:
    user = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    login(client, user.username)
    assert "Keluar" in client.get("/dashboard").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/dashboard"})
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Log out" in page and "Keluar" not in page
    assert factory.get(User, user.id).locale == "en"


# Addresses that lead off the site: a browser reads a backslash as a slash and drops tabs and
# newlines, so "/\\evil.example" and "/\t/evil.example" open //evil.example.
OFF_SITE = [
    "https://evil.example/x",
    "//evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example/x",
    "/\t/evil.example/x",
    "/\n/evil.example/x",
    "evil.example/x",
]


def _where_a_browser_goes(location: str) -> tuple[str, str]:
    """(scheme, host) of a Location header as a browser reads it ("", "" for this site)."""
    read = location.replace("\\", "/").replace("\t", "").replace("\n", "").replace("\r", "")
    parts = urlsplit(read)
    return parts.scheme, parts.netloc


@pytest.mark.parametrize("target", [*OFF_SITE, "/proposals/\n/x", "/proposals/\x00"])
def test_the_language_switch_stays_on_the_site(client, factory, tenant, target) -> None:
    user = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    login(client, user.username)
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.status_code == 302
    assert _where_a_browser_goes(response.headers["Location"]) == ("", "")
    visitor = client.application.test_client()
    response = visitor.get("/language/en", query_string={"next": target})
    assert response.status_code == 302
    assert _where_a_browser_goes(response.headers["Location"]) == ("", "")
    # a path on the site is followed, its query string kept
    response = client.post("/language", data={"lang": "id", "next": "/proposals/?status=sent"})
    assert response.headers["Location"] == "/proposals/?status=sent"


def test_post_without_csrf_token_is_refused(client, factory, tenant) -> None:
    user = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_open_redirect_after_login_is_ignored(client, factory, tenant) -> None:
    user = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    response = client.post(
        "/login?next=https://evil.example/x", data={"username": user.username, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_pages_load_nothing_from_outside(client) -> None:
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "http" not in response.get_data(as_text=True).replace("http-equiv", "")


def test_an_empty_login_form_says_so_in_indonesian(client) -> None:
    page = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "Isian ini wajib diisi." in page and "This field is required." not in page


@pytest.mark.parametrize(("hops", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_client_address_is_read_through_the_proxy_only_when_one_is_configured(
    tmp_path, request, hops: int, seen: str
) -> None:
    """Behind nginx every request comes from the proxy: per-address limits (logins, account
    requests, objections) must count each visitor, and without a proxy a client must not be
    able to choose its address with a header."""
    import sqlalchemy as sa

    from shared.db import db
    from tests.conftest import make_test_app

    with make_test_app("central", "sqlite", tmp_path, request, {"PROXY_HOPS": hops}) as app:
        client = app.test_client()
        client.post(
            "/login",
            data={"username": "siapa", "password": "Salah123456"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        with app.app_context():
            addresses = db.session.execute(sa.select(LoginAttempt.remote_addr)).scalars().all()
    assert addresses == [seen]


def test_an_unexpected_error_gets_the_error_page_in_the_users_language(tmp_path, request) -> None:
    from tests.conftest import make_test_app

    with make_test_app("central", "sqlite", tmp_path, request) as app:
        app.config["PROPAGATE_EXCEPTIONS"] = False  # as served, not as tested

        @app.get("/broken")
        def broken():
            raise RuntimeError("a bug")

        response = app.test_client().get("/broken")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Terjadi kesalahan" in page and "Internal Server Error" not in page
    assert 'href="/static/' in page  # the site's own page, styled
