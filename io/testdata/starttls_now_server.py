"""A STARTTLS server that starts TLS without replying, for
io/stream_writer_tls_test.ts: it prints its port, accepts one connection,
reads "STARTTLS-NOW\\n" in clear one byte at a time (so that not a byte of
the client's handshake is read as clear text), starts TLS (server side),
answers one line upper-cased after the TLS version, and exits. Blocking
sockets and the ssl module: asyncio's StreamReader would read the client's
ClientHello along with the line."""

import os
import socket
import ssl

HERE = os.path.dirname(os.path.abspath(__file__))

ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(os.path.join(HERE, "cert.pem"), os.path.join(HERE, "key.pem"))
with socket.create_server(("127.0.0.1", 0)) as server:
    print(server.getsockname()[1], flush=True)
    conn, _ = server.accept()
    line = b""
    while not line.endswith(b"\n"):
        byte = conn.recv(1)
        if not byte:
            raise SystemExit("EOF before the line")
        line += byte
    if line != b"STARTTLS-NOW\n":
        raise SystemExit(f"unexpected {line!r}")
    with ctx.wrap_socket(conn, server_side=True) as tls:
        data = b""
        while not data.endswith(b"\n"):
            chunk = tls.recv(1024)
            if not chunk:
                break
            data += chunk
        tls.sendall(f"{tls.version()} ".encode() + data.upper())
