"""The API's documentation pages in Chromium: they render offline, with no request blocked by the CSP and
none sent to another host (issue 18: Redoc's logo from cdn.redoc.ly was blocked on every visit)."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "rendered"), [("/api/redoc/", "text=API docs by Redocly"), ("/api/docs/", ".opblock")]
)
def test_docs_render_with_no_remote_request_and_no_csp_violation(live_server, transactional_db, page, path, rendered):
    field_server = live_server  # the default static files (the sidecar bundles are not collected for the field app)
    remote, complaints = [], []
    page.on("request", lambda request: None if request.url.startswith(field_server.url) else remote.append(request.url))
    page.on(
        "console",
        lambda message: complaints.append(message.text) if message.type in ("error", "warning") else None,
    )
    page.goto(field_server.url + path)
    page.wait_for_selector(rendered, state="attached", timeout=30_000)  # a phone-sized window hides the menu
    page.wait_for_timeout(500)  # the credit's logo is asked for after the sidebar mounts
    assert [url for url in remote if not url.startswith(("blob:", "data:"))] == []
    assert [text for text in complaints if "Content Security Policy" in text or "Refused" in text] == []
