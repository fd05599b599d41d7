# A client on Python's http.client (stdlib only): keep-alive requests,
# a chunked upload, then prints what it got as JSON.
import http.client
import json
import sys

port = int(sys.argv[1])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
out = []
for i in range(3):
    conn.request("POST", "/echo", body=f"py {i}".encode())
    r = conn.getresponse()
    out.append([r.status, r.read().decode()])
conn.request("POST", "/echo", body=iter([b"chunk-a ", b"chunk-b"]), encode_chunked=True)
r = conn.getresponse()
out.append([r.status, r.read().decode()])
conn.request("GET", "/missing")
r = conn.getresponse()
out.append([r.status, r.read().decode()])
conn.close()
print(json.dumps(out))
