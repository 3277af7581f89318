#!/usr/bin/python3
"""A TCP sender and receiver for the switch tests (run with ip netns exec).

  tcp_xfer.py recv ADDRESS PORT OUTFILE   accept one connection, write what
                                          arrives to OUTFILE, then exit
  tcp_xfer.py send ADDRESS PORT INFILE    connect, send INFILE, close

recv prints "listening" once it accepts connections, and exits 1 after
30 s without a connection or without data.
"""
import socket
import sys


def recv(address, port, path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((address, port))
        s.listen(1)
        s.settimeout(30)
        print("listening", flush=True)
        conn, _ = s.accept()
        conn.settimeout(30)
        with conn, open(path, "wb") as out:
            while True:
                data = conn.recv(1 << 16)
                if not data:
                    return 0
                out.write(data)


def send(address, port, path):
    with socket.create_connection((address, port), timeout=30) as s, \
            open(path, "rb") as f:
        s.sendfile(f)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)  # wait for the receiver to close: everything arrived
    return 0


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("recv", "send"):
        print(__doc__, file=sys.stderr)
        return 2
    fn = recv if sys.argv[1] == "recv" else send
    try:
        return fn(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    except OSError as e:
        print(f"tcp_xfer.py {sys.argv[1]}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
