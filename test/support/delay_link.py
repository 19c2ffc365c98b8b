"""A point-to-point link that delays every packet by DELAY_MS each way, as a long wire would.

The kernel here has no netem, so the delay is this process's: it makes two TUN devices, prints
"ready" once they exist (the caller moves one into each host's namespace and gives them
addresses), and copies each packet read from one to the other DELAY_MS later. The devices go with
this process. Usage: delay_link.py TUN_A TUN_B DELAY_MS
"""
import fcntl
import heapq
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    a, b, delay = tun(sys.argv[1]), tun(sys.argv[2]), float(sys.argv[3]) / 1000
    other = {a: b, b: a}
    print('ready', flush=True)
    due = []  # (when, order, fd to write, packet): the order keeps packets of one instant in sequence
    order = 0
    while True:
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else None
        readable, _, _ = select.select([a, b], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            heapq.heappush(due, (now + delay, order, other[fd], os.read(fd, 65536)))
            order += 1
        while due and due[0][0] <= time.monotonic():
            _, _, fd, packet = heapq.heappop(due)
            try:
                os.write(fd, packet)
            except OSError:
                pass  # the device is down (a cut link): the packet is lost, as on a wire


main()
