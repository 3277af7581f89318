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
  client.py slow HOST PORT N SECONDS [SRC]  N slow clients (from address SRC)
                                           sending a request head a byte
                                           every 0.25 s (even ones: nothing
                                           at all) for SECONDS; print
                                           "refused=R closed=C open=O
                                           first=T1 last=T2": refused by
                                           the server within 0.5 s (a 503
                                           or a close), closed later (T1,
                                           T2: the first and last close,
                                           seconds after connecting), and
                                           still open at the end
  client.py hold HOST PORT N SECONDS [SRC]  open N connections, send
                                           nothing, hold them SECONDS
  client.py keep HOST PORT SECONDS          one GET on a kept connection,
                                           then wait up to SECONDS for the
                                           server to close it; print the
                                           seconds it took, or "open"
  client.py slowread HOST PORT PATH RATE SECONDS OUT
                                           GET PATH with a 4 KiB receive
                                           buffer, reading RATE bytes a
                                           second for at most SECONDS; the
                                           body goes to OUT; print "done
                                           N", "closed N" (the server
                                           closed first) or "open N"
  client.py twice HOST PORT PATH FLAG       GET PATH, print the body, wait
                                           for the file FLAG to exist, GET
                                           PATH again on the same
                                           connection, print that body
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


def connect_from(host, port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(5)
    s.connect((host, port))
    s.setblocking(False)
    return s


def gone(s):
    """True when the server closed (or reset) the connection."""
    try:
        d = s.recv(65536)
        return d == b"" or d.startswith(b"HTTP/1.1 503")
    except BlockingIOError:
        return False
    except OSError:
        return True


def cmd_slow(host, port, n, seconds, src):
    head = b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 400
    socks = []
    refused = closed = 0
    closes = []
    for i in range(n):
        try:
            socks.append([connect_from(host, port, src), time.time(), i, 0])
        except OSError:
            refused += 1
    end = time.time() + seconds
    while socks and time.time() < end:
        time.sleep(0.25)
        now = time.time()
        for entry in list(socks):
            s, t0, i, sent = entry
            if gone(s):
                if now - t0 < 0.5:
                    refused += 1
                else:
                    closed += 1
                    closes.append(now - t0)
                s.close()
                socks.remove(entry)
                continue
            if i % 2 and sent < len(head):
                try:
                    s.send(head[sent:sent + 1])
                    entry[3] += 1
                except OSError:
                    pass
    for entry in socks:
        entry[0].close()
    print("refused=%d closed=%d open=%d first=%.1f last=%.1f" %
          (refused, closed, len(socks), min(closes, default=0),
           max(closes, default=0)))


def cmd_hold(host, port, n, seconds, src):
    socks = [connect_from(host, port, src) for _ in range(n)]
    time.sleep(seconds)
    for s in socks:
        s.close()


def cmd_keep(host, port, seconds):
    s = connect(host, port)
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    read_response(s, b"")
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    t0 = time.time()
    s.settimeout(seconds)
    try:
        if s.recv(1) == b"":
            print("%.1f" % (time.time() - t0))
            return
    except socket.timeout:
        pass
    except OSError:
        print("%.1f" % (time.time() - t0))
        return
    print("open")


def cmd_slowread(host, port, path, rate, seconds, out):
    s = connect(host, port, rcvbuf=4096)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            print("closed 0")
            return
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    t0 = time.time()
    state = "open"
    with open(out, "wb") as f:
        f.write(body)
        got = len(body)
        while got < length and time.time() - t0 < seconds:
            try:
                d = s.recv(1024)
            except (socket.timeout, OSError):
                d = b""
            if not d:
                state = "closed"
                break
            f.write(d)
            got += len(d)
            # sleep so that the average stays at rate
            ahead = got / rate - (time.time() - t0)
            if ahead > 0:
                time.sleep(ahead)
    print("%s %d" % ("done" if got >= length else state, got))


def body_of(s, buf):
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise EOFError("connection closed inside a response head")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        d = s.recv(65536)
        if not d:
            raise EOFError("connection closed inside a body")
        rest += d
    return rest[:length], rest[length:]


def cmd_twice(host, port, path, flag):
    import os
    s = connect(host, port)
    req = b"GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path.encode()
    s.sendall(req)
    body, buf = body_of(s, b"")
    sys.stdout.write(body.decode("latin-1"))
    sys.stdout.flush()
    t0 = time.time()
    while not os.path.exists(flag) and time.time() - t0 < 10:
        time.sleep(0.05)
    s.sendall(req)
    body, buf = body_of(s, buf)
    sys.stdout.write(body.decode("latin-1"))


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
    elif cmd == "slow":
        cmd_slow(host, port, int(argv[4]), float(argv[5]),
                 argv[6] if len(argv) > 6 else None)
    elif cmd == "hold":
        cmd_hold(host, port, int(argv[4]), float(argv[5]),
                 argv[6] if len(argv) > 6 else None)
    elif cmd == "keep":
        cmd_keep(host, port, float(argv[4]))
    elif cmd == "slowread":
        cmd_slowread(host, port, argv[4], float(argv[5]), float(argv[6]),
                     argv[7])
    elif cmd == "twice":
        cmd_twice(host, port, argv[4], argv[5])
    elif cmd == "stall":
        cmd_stall(host, port, argv[4], int(argv[5]), argv[6], int(argv[7]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
