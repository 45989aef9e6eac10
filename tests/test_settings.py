"""Settings read from the environment fail loudly on bad values; responses carry the security headers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from nq57.settings import env_bool, env_int, env_list, env_str

PROJECT_DIR = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("Yes", True), (" on ", True),
    ("0", False), ("FALSE", False), ("no", False), ("off", False),
])
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("NQ57_TEST_FLAG", raw)
    assert env_bool("NQ57_TEST_FLAG") is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y es"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("NQ57_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="NQ57_TEST_FLAG"):
        env_bool("NQ57_TEST_FLAG")


def test_env_bool_uses_the_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("NQ57_TEST_FLAG", raising=False)
    assert env_bool("NQ57_TEST_FLAG", True) is True
    monkeypatch.setenv("NQ57_TEST_FLAG", "")
    assert env_bool("NQ57_TEST_FLAG", False) is False


@pytest.mark.parametrize("raw", ["abc", "1.5", "12px", "ten"])
def test_env_int_refuses_a_bad_value(monkeypatch, raw):
    monkeypatch.setenv("NQ57_TEST_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("NQ57_TEST_NUMBER", 5)


def test_env_int_reads_a_number_or_the_default(monkeypatch):
    monkeypatch.setenv("NQ57_TEST_NUMBER", " 42 ")
    assert env_int("NQ57_TEST_NUMBER", 5) == 42
    monkeypatch.delenv("NQ57_TEST_NUMBER")
    assert env_int("NQ57_TEST_NUMBER", 5) == 5


def test_env_list_and_env_str(monkeypatch):
    monkeypatch.setenv("NQ57_TEST_LIST", " a.example, ,b.example ,")
    assert env_list("NQ57_TEST_LIST") == ["a.example", "b.example"]
    monkeypatch.delenv("NQ57_TEST_LIST")
    assert env_list("NQ57_TEST_LIST", ["x"]) == ["x"]
    assert env_str("NQ57_TEST_UNSET_STRING", "fallback") == "fallback"


def _load_settings(tmp_path, **env):
    """Import the settings module in a fresh interpreter with the given environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "NQ57_MODE", "DEBUG"}}
    return subprocess.run([sys.executable, "-c", "import nq57.settings"], cwd=PROJECT_DIR, capture_output=True,
                          text=True, env={**clean, "NQ57_DATA_DIR": str(tmp_path), **env}, timeout=60)


@pytest.mark.parametrize("env, complaint", [
    ({"NQ57_MODE": "staging"}, "NQ57_MODE"),
    ({"NQ57_MODE": "production"}, "SECRET_KEY must be set"),
    ({"DEBUG": "perhaps"}, "DEBUG"),
    ({"LOGIN_FAILURE_LIMIT": "five"}, "LOGIN_FAILURE_LIMIT"),
    ({"DATABASE_URL": "mysql://u@localhost/db"}, "PostgreSQL or SQLite"),
])
def test_a_bad_environment_stops_the_process(tmp_path, env, complaint):
    result = _load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and complaint in result.stderr


def test_a_good_environment_loads(tmp_path):
    result = _load_settings(tmp_path, NQ57_MODE="production", SECRET_KEY="x" * 50, DEBUG="0")
    assert result.returncode == 0, result.stderr


# --- security headers ---------------------------------------------------------------------------------


@pytest.fixture
def home_response(client, db):
    return client.get("/")


def _csp(response):
    return dict(
        (parts[0], parts[1:])
        for parts in (d.split() for d in response["Content-Security-Policy"].split(";") if d.strip())
    )


def test_the_content_security_policy_allows_only_own_and_nonced_scripts(home_response):
    policy = _csp(home_response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'self'" in policy["script-src"]
    nonces = [s for s in policy["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    # The scripts on the page carry that nonce.
    nonce = nonces[0][len("'nonce-"):-1]
    assert f'nonce="{nonce}"' in home_response.content.decode()
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]


def test_each_response_gets_a_fresh_nonce(client, db):
    first = [s for s in _csp(client.get("/"))["script-src"] if s.startswith("'nonce-")]
    second = [s for s in _csp(client.get("/"))["script-src"] if s.startswith("'nonce-")]
    assert first != second


@pytest.mark.parametrize("header, value", [
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
])
def test_pages_carry_the_security_headers(home_response, header, value):
    assert home_response[header] == value


def test_api_responses_carry_them_too(client, db):
    response = client.get("/api/v1/organisations/?kind=city")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


def test_pages_for_logged_in_people_are_not_cached(client, alice):
    assert "Cache-Control" not in client.get("/")
    client.force_login(alice)
    assert client.get("/")["Cache-Control"] == "private, no-store"


def test_cookies_are_http_only_and_same_site(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "correct-horse-57"})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_in_production_cookies_are_secure_and_hsts_is_on(tmp_path):
    code = ("import nq57.settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.REQUIRE_ADMIN_2FA)")
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "HTTPS", "REQUIRE_ADMIN_2FA"}}
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
                            env={**clean, "NQ57_DATA_DIR": str(tmp_path), "NQ57_MODE": "production",
                                 "SECRET_KEY": "x" * 50})
    assert result.stdout.split() == ["True", "True", "31536000", "True"], result.stderr
