#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that limits the upstream->client byte rate (all connections
together), for tests that must catch a download in the middle (resume, kill -9).

  throttle-proxy.py --upstream 127.0.0.1:PORT --rate BYTES_PER_SEC --port-file FILE
                    [--log FILE]

Listens on a kernel-chosen port (written to --port-file once listening). Requests
(client->upstream) pass unthrottled. --log gets one line per closed connection:
"conn N up=BYTES down=BYTES".
"""
import argparse
import socket
import threading
import time


class Bucket:
    def __init__(self, rate):
        self.rate = float(rate)
        self.lock = threading.Lock()
        self.next_free = time.monotonic()

    def take(self, n):
        """Block until n bytes may pass."""
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_free)
            self.next_free = start + n / self.rate
            wait = start - now
        if wait > 0:
            time.sleep(wait)


def pump(src, dst, bucket, counter, key):
    try:
        while True:
            chunk = 16384 if bucket else 65536
            data = src.recv(chunk)
            if not data:
                break
            if bucket:
                bucket.take(len(data))
            dst.sendall(data)
            counter[key] += len(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--rate", type=int, required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    a = ap.parse_args()
    uhost, uport = a.upstream.rsplit(":", 1)
    bucket = Bucket(a.rate)
    logf = open(a.log, "a", buffering=1) if a.log else None
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    n = 0
    while True:
        client, _ = lsock.accept()
        n += 1
        try:
            up = socket.create_connection((uhost, int(uport)))
        except OSError:
            client.close()
            continue
        counter = {"up": 0, "down": 0}

        def run(client=client, up=up, counter=counter, n=n):
            t = threading.Thread(target=pump, args=(client, up, None, counter, "up"), daemon=True)
            t.start()
            pump(up, client, bucket, counter, "down")
            t.join()
            client.close()
            up.close()
            if logf:
                logf.write("conn %d up=%d down=%d\n" % (n, counter["up"], counter["down"]))

        threading.Thread(target=run, daemon=True).start()


if __name__ == "__main__":
    main()
