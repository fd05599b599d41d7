"""The client side of the `idle` workload (see bench/_idle_client.ts), in
its own process: `_idle_client.py <port> <n>` opens n connections to
127.0.0.1:<port>, sends hello\\n on each and reads the echo, prints ready,
holds them open until its stdin ends, then closes them all."""

import socket
import sys


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"hello\n")
        back = b""
        while len(back) < 6:
            chunk = s.recv(6 - len(back))
            if not chunk:
                raise SystemExit("EOF before the echo")
            back += chunk
        if back != b"hello\n":
            raise SystemExit("Wrong echo")
        conns.append(s)
    print("ready", flush=True)
    sys.stdin.read()
    for s in conns:
        s.close()


main()
