"""A STARTTLS server on CPython's asyncio, for io/stream_writer_tls_test.ts.

Prints its port, then serves until killed. Each connection sends
"STARTTLS\\n" in clear and gets "OK\\n" in clear, then TLS starts (server
side, StreamWriter.start_tls). Over TLS, each line comes back upper-cased
after the TLS version."""

import asyncio
import os
import ssl
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


async def handle(reader, writer):
    try:
        line = await reader.readline()
        if line != b"STARTTLS\n":
            writer.write(b"ERR expected STARTTLS\n")
            return
        writer.write(b"OK\n")
        await writer.drain()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(os.path.join(HERE, "cert.pem"), os.path.join(HERE, "key.pem"))
        await writer.start_tls(ctx)
        version = writer.get_extra_info("ssl_object").version()
        while line := await reader.readline():
            writer.write(f"{version} ".encode() + line.upper())
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
