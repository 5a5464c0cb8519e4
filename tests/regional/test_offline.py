"""Offline: nothing a regional node serves makes the browser reach outside the node.

Every page an Admin Lokal or an operator can reach (every GET route, then every same-site
link found on the pages) and every static file is scanned for references to other hosts.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import url_for

from shared.models import ProposalStatus, Role
from tests.conftest import login
from tests.route_catalog import OBJECT_ARGS, PLAIN_ARGS

STATIC = Path(__file__).resolve().parents[2] / "shared" / "web" / "static"
# attributes whose value the browser fetches or navigates to
URL_ATTRS = {"src", "href", "action", "srcset", "poster", "data", "formaction", "background"}
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.IGNORECASE)
JS_URL = re.compile(r"""['"`]((?:https?:|wss?:)?//[^'"`\s]+)""", re.IGNORECASE)
MAX_PAGES = 400
MIN_PAGES = {Role.LOCAL_ADMIN: 15, Role.OPERATOR: 8}  # the crawl must really cover the node


def is_external(value: str) -> bool:
    value = value.strip()
    if value.lower().startswith(("data:", "#", "mailto:", "tel:")):
        return False
    return bool(EXTERNAL.match(value))


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []  # style blocks and attributes
        self.scripts: list[str] = []  # inline scripts
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRS:
                parts = value.split(",") if name == "srcset" else [value]
                self.urls.extend(p.strip().split(" ")[0] for p in parts)
            elif name == "style":
                self.styles.append(value)
        self._in = tag if tag in ("style", "script") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)


def external_refs(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    found = [u for u in parser.urls if is_external(u)]
    for text in parser.styles:
        found += [u for u in CSS_URL.findall(text) if is_external(u)]
    for text in parser.scripts:
        found += JS_URL.findall(text)
    return found


def test_the_checker_catches_what_it_should() -> None:
    html = (
        '<link rel="stylesheet" href="https://cdn.example.com/x.css">'
        '<script src="//code.jquery.com/jquery.js"></script>'
        '<img srcset="/a.png 1x, http://img.example.org/b.png 2x">'
        "<style>body{background:url('https://fonts.example/f.woff')}</style>"
        '<a href="/proposals">ok</a><img src="data:image/png;base64,AAA">'
        '<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="mailto:a@b.id">m</a>'
    )
    assert external_refs(html) == [
        "https://cdn.example.com/x.css",
        "//code.jquery.com/jquery.js",
        "http://img.example.org/b.png",
        "https://fonts.example/f.woff",
    ]


def test_static_files_load_nothing_from_outside() -> None:
    problems = []
    for path in STATIC.rglob("*"):
        if path.suffix not in (".css", ".js", ".svg", ".html"):
            continue
        text = path.read_text(encoding="utf-8")
        refs = [u for u in CSS_URL.findall(text) if is_external(u)]
        if path.suffix == ".js":
            refs += JS_URL.findall(text)
        if path.suffix in (".svg", ".html"):
            refs += external_refs(text)
        problems += [(path.name, ref) for ref in refs]
    assert problems == []


@pytest.fixture
def populated(factory, tenant):
    unit = factory.unit(tenant, name="Dinas Kesehatan")
    for status in ProposalStatus:
        factory.proposal(tenant, unit, status=status)
    factory.user(Role.OPERATOR, tenant=tenant, unit=unit)
    return unit


def _start_urls(app, factory, tenant, role: Role) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        roles = getattr(app.view_functions[rule.endpoint], "required_roles", None)
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if roles is not None and role not in roles:
            continue
        values = {}
        for arg in rule.arguments:
            if arg in OBJECT_ARGS:
                values[arg] = OBJECT_ARGS[arg](factory, tenant)
            else:
                values[arg] = PLAIN_ARGS[arg]
        with app.test_request_context():
            urls.append(url_for(rule.endpoint, **values))
    return urls


@pytest.mark.parametrize("role", [Role.LOCAL_ADMIN, Role.OPERATOR])
def test_no_page_refers_to_another_host(app, client, factory, tenant, populated, role) -> None:
    user = factory.user(role, tenant=tenant, unit=populated if role == Role.OPERATOR else None)
    assert login(client, user.username).status_code == 302
    queue = deque(_start_urls(app, factory, tenant, role))
    seen: set[str] = set()
    problems: list[tuple[str, str]] = []
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        body = response.get_data()
        response.close()
        csp = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp, url
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        html = body.decode()
        problems += [(url, ref) for ref in external_refs(html)]
        for link in re.findall(r'href="([^"#]+)"', html):
            target = urljoin(url, link)
            parts = urlsplit(target)
            if not parts.netloc and target not in seen:
                queue.append(target)
    assert pages >= MIN_PAGES[role], f"only {pages} pages were reached: {sorted(seen)}"
    assert problems == []
