# Raw frames a test's guests send and count through AF_PACKET (this
# kernel may lack 8021q: no eth0.42), tagged or not, with a magic string
# (ethertype 0x88b5); a counter reports how many it got and the VLAN of the
# last one (0: untagged; the kernel moves a received tag into the packet's
# metadata).  Run by lib.sh's raw_listeners and by tests directly:
#   python3 raw_frames.py send IFACE DST SRC VID MAGIC COUNT   (VID 0: untagged)
#   python3 raw_frames.py count IFACE MAGIC SECONDS READY-FILE [DONE-FILE]
# The counter stops after SECONDS, or two seconds after DONE-FILE exists
# (the sender made it: on a loaded host its start may take seconds).
import os, socket, struct, sys, time
if sys.argv[1] == "send":  # send IFACE DST SRC VID MAGIC COUNT (VID 0: untagged)
    _, _, ifc, dst, src, vid, magic, count = sys.argv
    frame = bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", ""))
    if int(vid):
        frame += b"\x81\x00" + int(vid).to_bytes(2, "big")
    frame += b"\x88\xb5" + magic.encode() + bytes(46)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifc, 0))
    for _ in range(int(count)):
        s.send(frame)
        time.sleep(0.01)
else:  # count IFACE MAGIC SECONDS READY-FILE [DONE-FILE]
    ifc, magic, secs, ready = sys.argv[2:6]
    done = sys.argv[6] if len(sys.argv) > 6 else None
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.setsockopt(263, 8, 1)  # SOL_PACKET, PACKET_AUXDATA
    s.bind((ifc, 0))
    s.settimeout(0.2)
    open(ready, "w").close()
    end, n, vid = time.time() + float(secs), 0, 0
    while time.time() < end:
        if done and os.path.exists(done):
            end, done = min(end, time.time() + 2), None
        try:
            data, anc, _, addr = s.recvmsg(65535, 64)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING or magic.encode() not in data:
            continue
        n += 1
        vid = 0
        for level, kind, aux in anc:
            if (level, kind) == (263, 8):
                status, _, _, _, _, tci = struct.unpack("IIIHHH", aux[:18])
                vid = tci & 0xfff if status & 0x10 else 0  # TP_STATUS_VLAN_VALID
    print(n, vid)
