"""`dossier serve` refuses a non-loopback bind without a password."""

from __future__ import annotations

import pytest

from app.ui import server


@pytest.mark.parametrize(("host", "loop"), [("127.0.0.1", True), ("127.8.0.2", True), ("localhost", True), ("::1", True),
                                            ("[::1]", True), ("0.0.0.0", False), ("192.168.1.5", False), ("example.org", False)])
def test_is_loopback(host: str, loop: bool) -> None:
    assert server.is_loopback(host) is loop


def test_parse_auth() -> None:
    assert server.parse_auth("ann:s3:cret") == ("ann", "s3:cret")
    assert server.parse_auth(None) is None
    for bad in ("nopassword", ":pw", "user:"):
        with pytest.raises(ValueError):
            server.parse_auth(bad)


def test_public_bind_without_auth_is_refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DOSSIER_AUTH", raising=False)
    server.get_settings.cache_clear()
    try:
        assert server.serve(host="0.0.0.0", port=1) == 2
        assert "DOSSIER_AUTH" in capsys.readouterr().err
        monkeypatch.setenv("DOSSIER_AUTH", "broken")
        server.get_settings.cache_clear()
        assert server.serve(host="127.0.0.1", port=1) == 2
    finally:
        server.get_settings.cache_clear()
