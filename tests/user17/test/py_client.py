"""A DNS client on asyncio's datagram endpoint: asks NAME (A) N times concurrently."""
import asyncio, struct, sys

def query(qid, name):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack(">HH", 1, 1)

class Proto(asyncio.DatagramProtocol):
    def __init__(self, n):
        self.waiting = {}
    def datagram_received(self, data, addr):
        qid, flags = struct.unpack(">HH", data[:4])
        ancount = struct.unpack(">H", data[6:8])[0]
        fut = self.waiting.pop(qid, None)
        if fut and not fut.done():
            fut.set_result((flags & 0xF, ancount, data[-4:]))

async def main(port, name, n):
    loop = asyncio.get_running_loop()
    proto = Proto(n)
    transport, _ = await loop.create_datagram_endpoint(lambda: proto, remote_addr=("127.0.0.1", port))
    futs = []
    for qid in range(1, n + 1):
        f = loop.create_future()
        proto.waiting[qid] = f
        futs.append(f)
        transport.sendto(query(qid, name))
    res = await asyncio.wait_for(asyncio.gather(*futs), 5)
    transport.close()
    for rcode, an, ip in res:
        print(rcode, an, ".".join(str(b) for b in ip))

asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
