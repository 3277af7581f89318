#!/usr/bin/python3
"""Raw HTTP clients for the www tests, for what curl cannot do: send
exact bytes, pipeline, hold idle connections, stop reading.

  client.py raw HOST PORT BYTES            send BYTES (Python escapes such
                                           as \\r\\n allowed), print every
                                           status line received until the
                                           server closes or 3 s pass
  client.py pipeline HOST PORT PATH...     send one GET per PATH in a single
                                           write; print "STATUS LENGTH" for
                                           each response, in order
  client.py idle HOST PORT N SECONDS       hold N connections (half of them
                                           with half a request sent) for
                                           SECONDS; print how many the
                                           server closed
  client.py stall HOST PORT PATH N PIDFILE SECONDS
                                           N clients ask for PATH and never
                                           read; print the server's RSS
                                           (KiB, from /proc) each second
"""
import re
import socket
import sys
import time


def connect(host, port, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5)
    s.connect((host, port))
    return s


def read_response(s, buf):
    """One response from buf + socket: (status, body length, rest)."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise EOFError("connection closed inside a response head")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if status == 304:
        length = 0
    while len(rest) < length:
        d = s.recv(65536)
        if not d:
            raise EOFError("connection closed inside a body")
        rest += d
    return status, length, rest[length:]


def cmd_raw(host, port, data):
    s = connect(host, port)
    s.sendall(data.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    s.settimeout(3)
    buf = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except (socket.timeout, ConnectionResetError):
        pass
    # a status line may follow a body with no line break between them
    for line in re.findall(rb"HTTP/1\.[01] [0-9]{3} [^\r\n]*", buf):
        print(line.decode("latin-1"))


def cmd_pipeline(host, port, paths):
    s = connect(host, port)
    req = b"".join(b"GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % p.encode()
                   for p in paths)
    s.sendall(req)
    buf = b""
    for _ in paths:
        status, length, buf = read_response(s, buf)
        print(status, length)


def cmd_idle(host, port, n, seconds):
    socks = []
    for i in range(n):
        s = connect(host, port)
        if i % 2:
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
        socks.append(s)
    time.sleep(seconds)
    closed = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(65536) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except ConnectionResetError:
            closed += 1
        s.close()
    print(closed)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def cmd_stall(host, port, path, n, pidfile, seconds):
    with open(pidfile) as f:
        pid = int(f.read().strip())
    socks = []
    for _ in range(n):
        s = connect(host, port, rcvbuf=4096)
        s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path.encode())
        socks.append(s)
    for _ in range(seconds):
        time.sleep(1)
        print(rss_kib(pid), flush=True)
    for s in socks:
        s.close()


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, host, port = argv[1], argv[2], int(argv[3])
    if cmd == "raw":
        cmd_raw(host, port, argv[4])
    elif cmd == "pipeline":
        cmd_pipeline(host, port, argv[4:])
    elif cmd == "idle":
        cmd_idle(host, port, int(argv[4]), float(argv[5]))
    elif cmd == "stall":
        cmd_stall(host, port, argv[4], int(argv[5]), argv[6], int(argv[7]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
