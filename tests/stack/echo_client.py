#!/usr/bin/python3
"""echo_client.py: a kernel-socket client of the echo app, for the tests.

  echo_client.py wait HOST PORT [SECONDS]  until HOST:PORT accepts TCP
  echo_client.py tcp HOST PORT BYTES [CONNS] send BYTES of a pseudo-random
                                   pattern on each of CONNS connections
                                   while reading the echo, then half-close;
                                   check it byte for byte and that the
                                   stream ends
  echo_client.py stall HOST PORT MAX     send without reading: the echo must
                                   stop taking data (back-pressure) before
                                   MAX bytes; then all of it comes back
  echo_client.py udp HOST PORT COUNT      COUNT datagrams of sizes 1..1400
                                   (and one of 0), each echoed exactly
  echo_client.py udpsize HOST PORT BYTES  one datagram of BYTES (fragmented
                                   by IP) echoed exactly
  echo_client.py timed HOST PORT BYTES    tcp on one connection, then print
                                   the seconds it took, connect included
  echo_client.py burst HOST PORT CONNS    CONNS connects at once, each then
                                   echoing 64 bytes: all served, none
                                   reset (a dropped SYN only delays)
Environment: ECHO_BUF=N sets SO_RCVBUF and SO_SNDBUF before the TCP
connections connect (a stall then holds fewer bytes); ECHO_MSS=N sets
TCP_MAXSEG (88 or more) before they connect, so that the peer's
segments are N bytes at most;
ECHO_CPU_PID=PID makes stall check that PID uses under 10% of a CPU for
2 seconds while the stall lasts.
Exit status 0 when everything came back, 1 with a message otherwise.
"""
import os
import random
import socket
import sys
import threading
import time


def fail(msg):
    print("echo_client: " + msg, file=sys.stderr)
    sys.exit(1)


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def wait(host, port, secs=10.0):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    fail("%s port %d never accepted a connection" % (host, port))


def connect(host, port):
    """A TCP connection, under ECHO_MSS's maximum segment size if set,
    with ECHO_BUF bytes of socket buffers each way if set."""
    mss = os.environ.get("ECHO_MSS")
    buf = os.environ.get("ECHO_BUF")
    if not mss and not buf:
        return socket.create_connection((host, port), timeout=30)
    s = socket.socket(family(host), socket.SOCK_STREAM)
    try:
        if mss:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, int(mss))
        if buf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(buf))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, int(buf))
        s.settimeout(30)
        s.connect((host, port))
    except OSError:
        s.close()
        raise
    return s


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def pattern(n, seed):
    r = random.Random(seed)
    return r.randbytes(n)


def tcp_one(host, port, nbytes, seed, errors):
    data = pattern(nbytes, seed)
    try:
        s = connect(host, port)
    except OSError as e:
        errors.append("connect: %s" % e)
        return

    def sender():
        try:
            view = memoryview(data)
            while view:
                n = s.send(view[:65536])
                view = view[n:]
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append("send: %s" % e)

    t = threading.Thread(target=sender)
    t.start()
    got = bytearray()
    try:
        while True:
            b = s.recv(262144)
            if not b:
                break
            got += b
    except OSError as e:
        errors.append("recv after %d bytes: %s" % (len(got), e))
    t.join()
    s.close()
    if len(got) != nbytes:
        errors.append("echo of %d bytes came back as %d bytes"
                      % (nbytes, len(got)))
    elif got != data:
        at = next(i for i in range(nbytes) if got[i] != data[i])
        errors.append("echo differs from what was sent at byte %d" % at)


def tcp(host, port, nbytes, conns=1):
    errors = []
    ts = [threading.Thread(target=tcp_one,
                           args=(host, port, nbytes, i, errors))
          for i in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        fail("; ".join(errors))


def stall(host, port, limit):
    """Send without reading until the echo stops taking data for a second:
    the app must apply back-pressure (stop reading while its echo is not
    read), so less than limit bytes go in; then read it all back."""
    data = pattern(limit, 9)
    s = connect(host, port)
    s.setblocking(False)
    sent = 0
    last = time.monotonic()
    while sent < limit and time.monotonic() - last < 0.5:
        try:
            n = s.send(data[sent:sent + 65536])
            sent += n
            last = time.monotonic()
        except BlockingIOError:
            time.sleep(0.01)
    if sent >= limit:
        fail("the echo took all %d bytes while its echo was not read: "
             "no back-pressure" % limit)
    pid = os.environ.get("ECHO_CPU_PID")
    if pid:
        hz = os.sysconf("SC_CLK_TCK")
        t0 = cpu_ticks(int(pid))
        time.sleep(2)
        used = (cpu_ticks(int(pid)) - t0) / hz
        if used > 0.2:
            fail("the echo's process used %.2f s of CPU in 2 s while "
                 "the window was closed" % used)
        print("%.2f s of CPU in 2 s of stall, " % used, end="")
    s.setblocking(True)
    s.shutdown(socket.SHUT_WR)
    got = bytearray()
    while True:
        b = s.recv(262144)
        if not b:
            break
        got += b
    if bytes(got) != data[:sent]:
        fail("after the stall, %d bytes came back for %d sent"
             % (len(got), sent))
    print("stalled after %d bytes, all echoed" % sent)


def udp(host, port, count):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(5)
    r = random.Random(7)
    sizes = [0] + [r.randint(1, 1400) for _ in range(count - 1)]
    for i, n in enumerate(sizes):
        d = r.randbytes(n)
        for attempt in range(3):  # UDP may drop; the echo must be exact
            s.sendto(d, (host, port))
            try:
                b, peer = s.recvfrom(65536)
            except socket.timeout:
                continue
            if b != d:
                fail("datagram %d (%d bytes) came back as %d different "
                     "bytes" % (i, n, len(b)))
            if peer[1] != port:
                fail("datagram %d came back from port %d" % (i, peer[1]))
            break
        else:
            fail("datagram %d (%d bytes): no echo after 3 tries" % (i, n))


def udpsize(host, port, nbytes):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(2)
    d = pattern(nbytes, 11)
    for attempt in range(3):
        s.sendto(d, (host, port))
        try:
            b, peer = s.recvfrom(65536)
        except socket.timeout:
            continue
        if b != d:
            fail("a datagram of %d bytes came back as %d different bytes"
                 % (nbytes, len(b)))
        return
    fail("a datagram of %d bytes: no echo after 3 tries" % nbytes)


def timed(host, port, nbytes):
    t0 = time.monotonic()
    tcp(host, port, nbytes)
    print("%.4f" % (time.monotonic() - t0))


def burst(host, port, conns):
    """All connects start together (a barrier), so that the handshakes
    outrun the app's accepts; each connection then echoes 64 bytes."""
    go = threading.Barrier(conns)
    lock = threading.Lock()
    res = {"ok": 0}
    errs = []

    def one(i):
        s = socket.socket(family(host), socket.SOCK_STREAM)
        s.settimeout(60)
        data = pattern(64, i)
        try:
            go.wait()
            s.connect((host, port))
            s.sendall(data)
            got = b""
            while len(got) < 64:
                b = s.recv(64 - len(got))
                if not b:
                    break
                got += b
            if got != data:
                raise OSError("echo of 64 bytes came back as %d" % len(got))
            with lock:
                res["ok"] += 1
        except (OSError, threading.BrokenBarrierError) as e:
            with lock:
                errs.append(type(e).__name__ + ": " + str(e))
        finally:
            s.close()

    ts = [threading.Thread(target=one, args=(i,)) for i in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errs:
        kinds = {}
        for e in errs:
            kinds[e] = kinds.get(e, 0) + 1
        fail("%d of %d connections served; %s" % (res["ok"], conns, "; ".join(
            "%d x %s" % (n, e) for e, n in sorted(kinds.items()))))
    print("%d of %d connections served" % (res["ok"], conns))


def main():
    a = sys.argv[1:]
    if len(a) < 3:
        fail("usage: echo_client.py wait|tcp|udp HOST PORT ...")
    host, port = a[1], int(a[2])
    if a[0] == "wait":
        wait(host, port, float(a[3]) if len(a) > 3 else 10.0)
    elif a[0] == "tcp":
        tcp(host, port, int(a[3]), int(a[4]) if len(a) > 4 else 1)
    elif a[0] == "stall":
        stall(host, port, int(a[3]))
    elif a[0] == "udp":
        udp(host, port, int(a[3]))
    elif a[0] == "udpsize":
        udpsize(host, port, int(a[3]))
    elif a[0] == "timed":
        timed(host, port, int(a[3]))
    elif a[0] == "burst":
        burst(host, port, int(a[3]))
    else:
        fail("unknown mode " + a[0])


main()
