"""Local HTTPS servers with a certificate authority of our own, so a container speaks TLS to its
local AWS as it does in Lambda: its handshakes, and the trust stores it loads, cost what they
cost there; and so tests can prove what a client trusts.

`authority(folder)` writes an authority's certificate, a server certificate it signed for
127.0.0.1 and localhost (RSA 2048, as AWS's are), and the trust files a client loads:
botocore's own CA bundle and the system's, each with the authority appended (loading them costs
what loading the real ones does). `environment` points a process at them the ways Lambda's
clients read: AWS_CA_BUNDLE (botocore's clients) and SSL_CERT_FILE (Python's default context).
`serve(app, context)` serves a WSGI app on a free localhost port, over HTTPS with the server's
context, keeping connections open between requests as AWS does.
"""

from __future__ import annotations

import datetime
import io
import ipaddress
import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote

import botocore.httpsession
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Authority:
    """The files `authority` wrote."""

    certificate: Path
    """The authority's own certificate (PEM): trusting it trusts the server."""
    server_chain: Path
    server_key: Path
    botocore_bundle: Path
    """botocore's CA bundle with the authority appended (AWS_CA_BUNDLE)."""
    system_bundle: Path
    """The system's default CA file with the authority appended (SSL_CERT_FILE)."""

    def server_context(self) -> ssl.SSLContext:
        """The servers' side of TLS."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.server_chain, self.server_key)
        return context

    def environment(self) -> dict[str, str]:
        """What makes a process trust the servers, through the stores it would load anyway."""
        return {
            "AWS_CA_BUNDLE": str(self.botocore_bundle),
            "SSL_CERT_FILE": str(self.system_bundle),
        }


def authority(folder: Path, names: tuple[str, ...] = ("localhost", "127.0.0.1")) -> Authority:
    """A new authority and a server certificate for `names` (host names or IP addresses), in
    `folder`."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "domain-provider local CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signs=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signs=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([_name(name) for name in names]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = ca.public_bytes(serialization.Encoding.PEM)
    files = Authority(
        certificate=folder / "authority.pem",
        server_chain=folder / "server.pem",
        server_key=folder / "server.key",
        botocore_bundle=folder / "botocore-bundle.pem",
        system_bundle=folder / "system-bundle.pem",
    )
    files.certificate.write_bytes(pem)
    files.server_chain.write_bytes(server.public_bytes(serialization.Encoding.PEM) + pem)
    files.server_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    botocore_cas = Path(botocore.httpsession.DEFAULT_CA_BUNDLE).read_bytes()
    files.botocore_bundle.write_bytes(botocore_cas + b"\n" + pem)
    system = ssl.get_default_verify_paths().cafile
    system_cas = Path(system).read_bytes() if system else b""
    files.system_bundle.write_bytes(system_cas + b"\n" + pem)
    return files


def _usage(signs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signs,
        content_commitment=False,
        key_encipherment=not signs,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs,
        crl_sign=signs,
        encipher_only=False,
        decipher_only=False,
    )


def _name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


@contextmanager
def serve(app: Callable[..., Any], context: ssl.SSLContext | None) -> Iterator[str]:
    """`app` (WSGI) on a free localhost port, over HTTPS with `context` (the server's side;
    plain HTTP without): its URL."""
    scheme = "https" if context else "http"
    handler = type("Served", (KeepAliveWSGI,), {"app": app, "scheme": scheme})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class KeepAliveWSGI(BaseHTTPRequestHandler):
    """Serves a WSGI app over HTTP/1.1, one connection for many requests, as AWS serves the
    SDK (werkzeug's development server closes every connection after one answer, which would
    make each call pay a new handshake and trust-store load that AWS spares it). Requests carry
    a Content-Length (the SDK's always do); each answer is buffered to give its own."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the body is not held back behind the headers' ACK
    app: ClassVar[Callable[..., Any]]
    scheme: ClassVar[str]

    def serve(self) -> None:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        environ = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(length),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.connection.getsockname()[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self.scheme,
            "wsgi.input": io.BytesIO(self.rfile.read(length)),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            **{
                "HTTP_" + name.upper().replace("-", "_"): value
                for name, value in self.headers.items()
                if name.lower() not in ("content-type", "content-length")
            },
        }
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], _: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: None

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status, headers = started
        code, _, phrase = status.partition(" ")
        self.send_response(int(code), phrase)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = serve  # noqa: N815 (http.server)

    def log_message(self, format: str, *args: Any) -> None:
        pass
