"""A UDP peer on CPython's asyncio, for io/datagram_endpoint_test.ts.

    udp_peer.py server          prints its port, then answers each datagram
                                with b"echo:" + it, to its sender, until killed
    udp_peer.py client PORT N   prints 0, sends b"msg I" for I in 0..N-1 to
                                127.0.0.1:PORT one at a time, prints each reply
"""

import asyncio
import sys


class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(b"echo:" + data, addr)


class Client(asyncio.DatagramProtocol):
    def __init__(self):
        self.replies = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.replies.put_nowait(data)


async def main():
    loop = asyncio.get_running_loop()
    if sys.argv[1] == "server":
        transport, _ = await loop.create_datagram_endpoint(
            Echo, local_addr=("127.0.0.1", 0)
        )
        print(transport.get_extra_info("sockname")[1], flush=True)
        await asyncio.Event().wait()
    else:
        port, n = int(sys.argv[2]), int(sys.argv[3])
        transport, client = await loop.create_datagram_endpoint(
            Client, remote_addr=("127.0.0.1", port)
        )
        print(0, flush=True)
        for i in range(n):
            transport.sendto(b"msg %d" % i)
            reply = await asyncio.wait_for(client.replies.get(), 10)
            print(reply.decode(), flush=True)
        transport.close()


asyncio.run(main())
