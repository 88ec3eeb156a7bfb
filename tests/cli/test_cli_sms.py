"""``sm2 sms simulate``: a signed Twilio webhook posted to a (tiny, local) server."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator, Mapping
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from cli_support import AUDI, assert_ok, assert_refused
from click.testing import CliRunner, Result
from twilio.request_validator import RequestValidator

from sm2_cli.main import cli

TOKEN = "test-twilio-auth-token-0123456789"
WEBHOOK = "/webhooks/twilio/sms"


class Recorder:
    """A local HTTP server that keeps every request and answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Message, dict[str, str]]] = []
        self.status = 200
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                recorder.requests.append((self.path, self.headers, form))  # any-case names
                body = b"<Response/>" if recorder.status == 200 else b"bad signature"
                self.send_response(recorder.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    thread = threading.Thread(target=recorder.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        recorder.server.shutdown()
        recorder.server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run where no ``.env`` file can add settings."""
    monkeypatch.chdir(tmp_path)


def simulate(env: Mapping[str, str | None], *args: str) -> Result:
    base: dict[str, str | None] = {"no_proxy": "*", "NO_PROXY": "*", "TWILIO_AUTH_TOKEN": TOKEN}
    return CliRunner(env={**base, **env}).invoke(cli, ["sms", "simulate", *args])


def valid(url: str, headers: Message, form: dict[str, str], token: str = TOKEN) -> bool:
    return bool(RequestValidator(token).validate(url, form, headers["X-Twilio-Signature"]))


class TestSimulate:
    def test_posts_a_correctly_signed_webhook(self, recorder: Recorder) -> None:
        """The form reaches /webhooks/twilio/sms signed for SM2_PUBLIC_URL + the webhook path."""
        result = simulate({"SM2_PUBLIC_URL": recorder.url}, "--from", AUDI[0], AUDI[1])
        assert_ok(result)
        [(path, headers, form)] = recorder.requests
        assert WEBHOOK == path
        assert "application/x-www-form-urlencoded" == headers["Content-Type"]
        assert (AUDI[0], "+14185550000", AUDI[1], "0") == (
            form["From"],
            form["To"],
            form["Body"],
            form["NumMedia"],
        )
        assert re.fullmatch(r"SM[0-9a-f]{32}", form["MessageSid"])
        assert valid(recorder.url + WEBHOOK, headers, form)
        assert f"200 {form['MessageSid']}" == result.stdout.strip()

    def test_signature_is_for_the_public_url_not_the_target(self, recorder: Recorder) -> None:
        """With ``--url``, the request goes there but is signed for SM2_PUBLIC_URL, as Twilio does."""
        public = "https://dispatch.example.com"
        env = {"SM2_PUBLIC_URL": public}
        result = simulate(
            env, "--from", AUDI[0], "--to", "+14185550001", "--url", recorder.url, "hi"
        )
        assert_ok(result)
        [(path, headers, form)] = recorder.requests
        assert (WEBHOOK, "+14185550001") == (path, form["To"])
        assert valid(public + WEBHOOK, headers, form)
        assert not valid(recorder.url + WEBHOOK, headers, form)
        assert not valid(public + WEBHOOK, headers, form, token="another-token")

    def test_unsigned_without_auth_token(self, recorder: Recorder) -> None:
        """No TWILIO_AUTH_TOKEN: posted without an X-Twilio-Signature header."""
        env = {"SM2_PUBLIC_URL": recorder.url, "TWILIO_AUTH_TOKEN": None}
        assert_ok(simulate(env, "--from", AUDI[0], "hello"))
        [(_, headers, _)] = recorder.requests
        assert "X-Twilio-Signature" not in headers

    def test_refused_request_exits_1_with_the_answer(self, recorder: Recorder) -> None:
        """The server answers 403: exit 1 with the status and body on stderr."""
        recorder.status = 403
        result = simulate({"SM2_PUBLIC_URL": recorder.url}, "--from", AUDI[0], "hello")
        assert_refused(result, "403: bad signature")

    def test_unreachable_server_exits_1_with_a_clear_message(self) -> None:
        """Nothing listens on the port: exit 1 "cannot reach <url>", no traceback."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        result = simulate({"SM2_PUBLIC_URL": url}, "--from", AUDI[0], "hello")
        assert_refused(result, f"cannot reach {url}")

    def test_from_is_required(self) -> None:
        """``--from`` missing: exit 2."""
        assert 2 == simulate({}, "hello").exit_code
