"""The container's one trust store (trust_store.py), against real TLS servers of our own: loaded
once for every client and the answer PUT; a server it does not vouch for, or a certificate for
another host, is refused by all of them; a client behind a proxy is left as botocore made it."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, SSLError

from domain_provider import trust_store
from domain_provider.clients import customer_profiles_client, dynamodb_client
from domain_provider.response import put_response
from tools.local.tls import Authority, authority, serve

BODY = {"Status": "SUCCESS", "Reason": "", "PhysicalResourceId": "crm-profiles", "Data": {}}


class Recorder:
    """A WSGI app that answers every request `{}` and records (method, path)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
        return [b"{}"]


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """New clients and a new store, before and after (the container builds them once)."""
    built = (customer_profiles_client, dynamodb_client, trust_store._store)
    for cached in built:
        cached.cache_clear()
    yield
    for cached in built:
        cached.cache_clear()


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest, monkeypatch, fresh) -> Iterator[Any]:
    """A local AWS over HTTPS (both clients pointed at it) and the recorder behind it; the
    indirect parameter (trusted, names): whether the bundle vouches for it, and the names its
    certificate holds (default: trusted, for 127.0.0.1)."""
    trusted, names = getattr(request, "param", (True, ("localhost", "127.0.0.1")))
    made: Authority = authority(tmp_path, names)
    if trusted:
        monkeypatch.setenv("AWS_CA_BUNDLE", str(made.botocore_bundle))
    else:
        monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    recorder = Recorder()
    with serve(recorder, made.server_context()) as url:
        for service in ("DYNAMODB", "CUSTOMER_PROFILES"):
            monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", url)
        recorder.url = url  # type: ignore[attr-defined]
        yield recorder


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every CA file any SSL context loads from now on."""
    loaded: list[str] = []
    original = ssl.SSLContext.load_verify_locations

    def load(self: ssl.SSLContext, cafile: Any = None, *args: Any, **kwargs: Any) -> None:
        loaded.append(str(cafile))
        original(self, cafile, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", load)
    monkeypatch.setattr(ssl.SSLContext, "load_default_certs", lambda *_: loaded.append("system"))
    return loaded


def calls(url: str) -> bool:
    """Two ledger reads, a domain read, and the answer PUT, as a cold Create makes them;
    whether the PUT was answered."""
    key = {"DomainName": {"S": "crm-profiles"}}
    dynamodb_client().get_item(TableName="ledger", Key=key)
    dynamodb_client().get_item(TableName="ledger", Key=key)
    customer_profiles_client().get_domain(DomainName="crm-profiles")
    return put_response(f"{url}/response?X-Amz-Signature=x", BODY, time.monotonic() + 10)


def test_a_cold_container_loads_its_trust_store_once_for_every_client_and_the_answer(server, loads):
    assert calls(server.url)

    assert loads == [trust_store.bundle()], "one load, of the bundle botocore would use"
    assert [method for method, _ in server.seen] == ["POST", "POST", "GET", "PUT"]


@pytest.mark.parametrize("server", [(False, ("localhost", "127.0.0.1"))], indirect=True)
def test_a_server_the_bundle_does_not_vouch_for_is_refused_by_every_client_and_the_answer(
    server,
):
    with pytest.raises(SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        dynamodb_client().get_item(TableName="ledger", Key={"DomainName": {"S": "crm"}})
    with pytest.raises(SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        customer_profiles_client().get_domain(DomainName="crm-profiles")
    answered = put_response(f"{server.url}/r", BODY, time.monotonic() + 1.5)

    assert not answered
    assert server.seen == []


@pytest.mark.parametrize("server", [(True, ("example.invalid",))], indirect=True)
def test_a_certificate_for_another_host_is_refused_by_every_client_and_the_answer(server):
    with pytest.raises(SSLError, match=r"(?i)match|hostname"):
        dynamodb_client().get_item(TableName="ledger", Key={"DomainName": {"S": "crm"}})
    with pytest.raises(SSLError, match=r"(?i)match|hostname"):
        customer_profiles_client().get_domain(DomainName="crm-profiles")
    answered = put_response(f"{server.url}/r", BODY, time.monotonic() + 1.5)

    assert not answered
    assert server.seen == []


def test_a_client_behind_a_proxy_is_left_as_botocore_made_it(fresh, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")

    client = dynamodb_client()

    pools = client._endpoint.http_session._manager.connection_pool_kw
    assert pools["ssl_context"] is not trust_store.store()


def test_a_client_that_verifies_against_another_bundle_is_left_as_botocore_made_it(
    fresh, tmp_path: Path
):
    import boto3

    made = authority(tmp_path)
    client = trust_store.share(boto3.client("dynamodb", verify=str(made.certificate)))

    pools = client._endpoint.http_session._manager.connection_pool_kw
    assert pools["ssl_context"] is not trust_store.store()


def test_the_store_checks_host_names_so_the_answer_may_use_it():
    context = trust_store.answer_context()

    assert context is trust_store.store()
    assert context.check_hostname
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_a_store_that_cannot_check_host_names_is_not_used_for_the_answer(fresh, monkeypatch):
    context = trust_store.store()
    context.check_hostname = False

    assert trust_store.answer_context() is None


def test_a_bundle_the_function_cannot_load_never_stops_the_answer(server, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "no-such-bundle.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "system-bundle.pem"))  # trusts the server

    answered = put_response(f"{server.url}/r", BODY, time.monotonic() + 10)

    assert answered, "sent with the system's store"
    assert server.seen == [("PUT", "/r")]


def test_a_bundle_the_function_cannot_load_fails_a_call_as_botocore_would(
    server, tmp_path, monkeypatch
):
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "no-such-bundle.pem"))

    client = dynamodb_client()  # built: the bundle is botocore's to meet, at the first call

    with pytest.raises(BotoCoreError):
        client.get_item(TableName="ledger", Key={"DomainName": {"S": "crm"}})
    assert server.seen == []
