#!/usr/bin/env python3
"""A fake authoritative DNS server for the network tests: fake_dns.py ADDR RECORDS LOG READY.

RECORDS is a JSON file {"name": [["A.B.C.D", ...], TTL]}, read again for every query (a test
changes an answer by rewriting it). Every question asked is appended to LOG; READY is created
once the socket is bound. Unknown names get NXDOMAIN; other types than A get an empty answer.
"""
import json
import socket
import struct
import sys

addr, records, log, ready = sys.argv[1:5]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
open(ready, "w").close()
while True:
    q, peer = s.recvfrom(512)
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
        i += 1 + q[i]
    if i + 5 > len(q):
        continue
    name = ".".join(labels).lower()
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    end = i + 5
    with open(log, "a") as f:
        f.write(name + "\n")
    entry = json.load(open(records)).get(name)
    question = q[12:end]
    if entry is None:
        s.sendto(q[:2] + b"\x81\x83" + struct.pack(">HHHH", 1, 0, 0, 0) + question, peer)
        continue
    ips, ttl = entry
    answers = b""
    if qtype == 1:
        for ip in ips:
            answers += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, ttl, 4) + socket.inet_aton(ip)
    count = len(ips) if qtype == 1 else 0
    s.sendto(q[:2] + b"\x81\x80" + struct.pack(">HHHH", 1, count, 0, 0) + question + answers, peer)
