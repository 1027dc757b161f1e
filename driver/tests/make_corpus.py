#!/usr/bin/env python3
"""Regenerates the fuzzer seed corpus (driver/tests/corpus): one valid request per IOCTL in the
input format of fuzz_ioctl.c (byte 0 code selector, bytes 1-2 output length, then the input).
Eight-byte markers are replaced by live ids in the harness."""
import os
import struct

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
H = struct.pack('<II', 1, 0)
CH, SV, PK, EP = b'!CHANNEL', b'!SERVERC', b'!PACKET!', b'!ENDPNT!'


def cfg(present, name=b''):
    body = (struct.pack('<14I', present, 8, 1, 4096, 4, 2048, 1, 1, 48, 1, 16, 4, 4, 0x1f)
            + struct.pack('<HHI', 1, 0, 0) + b'\x11' * 64 + struct.pack('<II', len(name), 0))
    assert len(body) == 136
    return body + name


SEEDS = {
    'version': (0, 48, H),
    'list': (1, 512, H),
    'create': (2, 16, H + EP + struct.pack('<II', 0, 0) + cfg(0x4 | 0x10, b'n\x00a\x00')),
    'create_server': (2, 16, H + EP + struct.pack('<II', 1, 0) + cfg(0x1000 | 0x2000 | 0x8000)),
    'configure': (3, 8, H + CH + cfg(0xFFFF & ~0x4)),
    'enable': (4, 0, H + SV), 'disable': (5, 0, H + CH), 'pause': (6, 0, H + CH), 'start': (7, 0, H + SV),
    'cleanup': (8, 0, H + CH), 'query': (9, 192, H + CH),
    'context': (10, 0, H + CH + struct.pack('<Q', 7)), 'quota': (11, 0, H + CH + struct.pack('<II', 2, 0)),
    'latency': (12, 8, H + CH + struct.pack('<II', 20, 0)),
    'receive': (13, 256, H + CH + struct.pack('<II', 0, 0)),
    'receive_park': (13, 64, H + SV + struct.pack('<II', 1, 0)),
    'complete': (14, 12, H + struct.pack('<II', 1, 2) + PK + struct.pack('<II', 0, 2) + b'ok'),
    'complete2': (14, 16, H + struct.pack('<II', 2, 0) + PK + struct.pack('<II', 0, 0) + PK + struct.pack('<II', 0, 0)),
    'fail': (15, 0, H + PK), 'defer': (16, 0, H + PK),
    'send': (17, 0, H + CH + struct.pack('<QIIII', 5, 1, 0, 4, 0) + b'data'),
    'send_ext': (17, 0, H + CH + struct.pack('<QIIII', 5, 1, 1, 2, 3) + b'ababc'),
    'send_sync': (18, 24, H + CH + struct.pack('<IIIIIIq', 1, 0, 2, 0, 16, 1, 0) + b'hi'),
    'gpadl_create': (19, 8, H + CH + struct.pack('<II', 4096, 0)),
    'gpadl_delete': (20, 0, H + CH + struct.pack('<II', 1, 0)),
    'gpadl_map': (21, 0, H + SV + struct.pack('<II', 1, 1)),
    'gpadl_unmap': (22, 0, H + SV + struct.pack('<II', 1, 0)),
    'gpadl_read': (23, 16, H + CH + struct.pack('<IIQII', 1, 0, 0, 16, 0)),
    'requeue': (25, 0, H + CH + struct.pack('<II', 2, 0) + PK + PK),
    'gpadl_write': (24, 0, H + CH + struct.pack('<IIQII', 1, 0, 0, 4, 0) + b'wxyz'),
}

if __name__ == '__main__':
    os.makedirs(D, exist_ok=True)
    for name, (sel, outlen, inp) in SEEDS.items():
        with open(os.path.join(D, name), 'wb') as f:
            f.write(bytes([sel, outlen & 0xff, outlen >> 8]) + inp)
    with open(os.path.join(D, 'rawcode'), 'wb') as f:
        f.write(bytes([0xF0, 8, 0]) + struct.pack('<I', 0x0022E000) + H)
