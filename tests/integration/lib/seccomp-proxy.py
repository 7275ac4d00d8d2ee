#!/usr/bin/python3
# A minimal LXC seccomp notification proxy (LXC's seccomp.c protocol, as LXD's implements it), for
# tests/integration/seccomp-notify.sh:
#
#   seccomp-proxy.py SOCKET_PATH LOG_FILE ERRNO
#
# Listens on SOCK_SEQPACKET SOCKET_PATH; for every request (header, struct seccomp_notif, struct
# seccomp_notif_resp, cookie; three fds: /proc/<pid>, /proc/<pid>/mem, the listener) it logs
#   REQ monitor_pid=<p> init_pid=<p> nr=<nr> cookie=<cookie> fds=<n> proc_ok=<0|1>
# and answers with errno ERRNO in a reply of exactly header + notif + resp bytes. Prints READY when it
# listens. Exits when the connection closes.
import array
import os
import socket
import struct
import sys

path, log_path, answer_errno = sys.argv[1], sys.argv[2], int(sys.argv[3])

srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(path)
srv.listen(1)
print("READY", flush=True)
conn, _ = srv.accept()
log = open(log_path, "a", buffering=1)

HDR = struct.Struct("=QiiHHHxxQ")  # reserved, monitor_pid, init_pid, sizes (notif, resp, data), cookie_len
assert HDR.size == 32

while True:
    fds = array.array("i")
    try:
        data, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(3 * fds.itemsize))
    except ConnectionResetError:
        break
    if not data:
        break
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    reserved, mpid, ipid, sz_notif, sz_resp, sz_data, cookie_len = HDR.unpack_from(data, 0)
    notif = data[HDR.size : HDR.size + sz_notif]
    cookie = data[HDR.size + sz_notif + sz_resp : HDR.size + sz_notif + sz_resp + cookie_len]
    notif_id, pid, flags, nr = struct.unpack_from("=QIIi", notif, 0)
    proc_ok = 0
    if len(fds) >= 1:
        try:
            proc_ok = int(os.path.exists("/proc/self/fd/%d/status" % fds[0]))
        except OSError:
            pass
    log.write("REQ monitor_pid=%d init_pid=%d nr=%d cookie=%s fds=%d proc_ok=%d\n"
              % (mpid, ipid, nr, cookie.decode(errors="replace"), len(fds), proc_ok))
    for fd in fds:
        os.close(fd)
    # struct seccomp_notif_resp: id, val, error, flags
    resp = struct.pack("=QqiI", notif_id, 0, -answer_errno, 0) + b"\0" * (sz_resp - 24)
    conn.send(data[: HDR.size + sz_notif] + resp)
