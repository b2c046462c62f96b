"""One TLS trust store per container, loaded once: every connection the provider opens (its
botocore clients' and the answer PUT's) verifies the server against it.

Left alone, a cold Create loads a CA bundle three times: botocore loads its bundle (about 140
certificates) into the SSL context of each new connection, once for DynamoDB and once for
Customer Profiles, and Python's http.client loads the system's store for the answer PUT; each
load is about 20 ms of CPU on a full core, and Lambda gives a small function a fraction of one.

Rules:
- The bundle is the one botocore's clients verify against: AWS_CA_BUNDLE, else botocore's own
  (`get_cert_path`); a client that verifies against another bundle, or not at all, or reaches
  AWS through a proxy, is left as botocore made it.
- The store verifies as botocore does (its own context: TLS 1.2 or later, no compression) and
  checks the host name in the handshake, so the answer PUT may use it too; were it ever made
  unable to check host names, the PUT would fall back to Python's default context.
- Sharing drops only botocore's reload: a connection whose context is the store, and whose CA
  file is the bundle already in it, is not given the file again. A client with a client
  certificate keeps a context of its own.
- Nothing fails earlier than it would without this module: a bundle the function cannot load
  leaves the clients as botocore made them (their calls then fail as botocore's, named and
  translated like any network error), and the PUT to Python's default context (the system's
  store), so the answer still goes out.
"""

from __future__ import annotations

import os
import ssl
from functools import cache
from typing import Any

from botocore.httpsession import URLLib3Session, create_urllib3_context, get_cert_path

from domain_provider.logs import logger

UNLOADABLE = (OSError, ValueError, ssl.SSLError)
"""What loading a CA bundle raises when the file is missing, unreadable or not certificates."""


def bundle() -> str:
    """The CA bundle botocore's clients verify against (AWS_CA_BUNDLE, else botocore's)."""
    return str(get_cert_path(os.environ.get("AWS_CA_BUNDLE") or True))


def store() -> ssl.SSLContext:
    """The container's trust store for the bundle botocore's clients verify against now."""
    return _store(bundle())


@cache
def _store(cafile: str) -> ssl.SSLContext:
    """botocore's context with `cafile` loaded, and the host name checked in the handshake."""
    context: ssl.SSLContext = create_urllib3_context()
    context.check_hostname = True
    context.load_verify_locations(cafile=cafile)
    return context


def answer_context() -> ssl.SSLContext | None:
    """The context of the answer PUT: the store; None (Python's default context, the system's
    store) when the bundle cannot be loaded or the store cannot check host names. The answer
    must go out: a bundle the function cannot read fails its AWS calls, never the answer."""
    try:
        context = store()
    except UNLOADABLE as error:
        logger.warning(
            "The CA bundle cannot be loaded: answering with the system's store",
            error=type(error).__name__,
        )
        return None
    if context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED:
        return context
    return None


def share(client: Any) -> Any:
    """`client`, its new connections given the store instead of a fresh load of the bundle;
    left as it is where botocore made it otherwise than this module expects."""
    http: Any = getattr(getattr(client, "_endpoint", None), "http_session", None)
    if type(http) is not URLLib3Session:
        return client
    verify, proxies = getattr(http, "_verify", None), getattr(http, "_proxy_config", None)
    manager = getattr(http, "_manager", None)
    if not verify or str(get_cert_path(verify)) != bundle() or manager is None:
        return client
    if proxies is None or getattr(proxies, "_proxies", True):
        return client
    if getattr(http, "_cert_file", True) is not None:  # a client certificate: its own context
        return client
    cafile = bundle()
    try:
        shared = _store(cafile)
    except UNLOADABLE:  # botocore meets it at the first connection, as an error it names
        return client
    manager.connection_pool_kw["ssl_context"] = shared
    botocores = http._setup_ssl_cert

    def setup_ssl_cert(conn: Any, url: str, verify: Any) -> None:
        botocores(conn, url, verify)
        context = getattr(conn, "conn_kw", {}).get("ssl_context")
        if context is shared and conn.ca_certs is not None and str(conn.ca_certs) == cafile:
            conn.ca_certs = None  # in the store already

    http._setup_ssl_cert = setup_ssl_cert
    return client
