#!/usr/bin/env python3
"""Regenerates the seed corpus of fuzz_sequence.c (driver/tests/sequence-corpus): a few short
sequences that reach the main paths (client and server channels, both sessions, GPADLs, sends
around Pause/Disable, faults). Each operation is its byte (OPS below; | B for session 1) and the
argument bytes its run_* function reads, in order. Picks are indexes into what the sequence has
seen (0 = the first channel / packet / GPADL handle)."""
import os

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sequence-corpus')
OPS = ['CREATE', 'CONFIGURE', 'ENABLE', 'DISABLE', 'PAUSE', 'START', 'CLEANUP', 'QUERY', 'SET_VALUE',
       'RECEIVE', 'COMPLETE', 'FAIL', 'DEFER', 'REQUEUE', 'SEND', 'SEND_SYNC', 'GPADL_CREATE', 'GPADL_OP',
       'GPADL_ACCESS', 'PEER_SEND', 'PEER_COMPLETE', 'PEER_STATE', 'PEER_GPADL', 'INJECT', 'RESCIND']
B = 0x80  # the operation runs in session 1


def op(name, *args, session=0):
    return bytes([OPS.index(name) | session] + list(args))


CLIENT = op('CREATE', 0) + op('ENABLE', 0)
RECEIVE_ALL = op('RECEIVE', 0, 0xFE)  # channel 0, poll, large buffer

SEEDS = {
    'client_roundtrip': CLIENT + RECEIVE_ALL
        + op('PEER_SEND', 0, 1, 5) + RECEIVE_ALL + op('COMPLETE', 0, 4, 0)
        + op('SEND', 0, 1, 0, 4, 7) + op('PEER_COMPLETE', 0, 1, 2) + RECEIVE_ALL
        + op('DISABLE', 0) + RECEIVE_ALL + op('CLEANUP', 0),
    'server_gpadl_map': op('CREATE', 1) + op('ENABLE', 0) + op('PEER_STATE', 0, 0) + op('START', 0)
        + op('PEER_GPADL', 0, 0, 0, 1) + op('GPADL_OP', 1, 0, 0, 0)
        + op('GPADL_ACCESS', 2, 0, 0, 0, 16) + op('GPADL_ACCESS', 3, 0, 0, 0, 8)
        + op('GPADL_OP', 2, 0, 0, 0) + op('PEER_SEND', 0, 1, 3) + RECEIVE_ALL + op('FAIL', 0)
        + op('PEER_STATE', 0, 1) + RECEIVE_ALL,
    'two_sessions': CLIENT + op('CREATE', 0, session=B) + op('ENABLE', 1, session=B)
        + op('SEND', 0, 0, 0, 3, 1, session=B) + op('PEER_SEND', 0, 1, 4)
        + op('RECEIVE', 0, 0xFE, session=B) + RECEIVE_ALL + op('COMPLETE', 0, 0, 0, session=B)
        + op('DEFER', 0) + RECEIVE_ALL + op('REQUEUE', 0, 0, 0) + op('DISABLE', 0)
        + op('CLEANUP', 0) + op('CLEANUP', 0) + op('QUERY', 0, session=B),
    'client_gpadl': CLIENT + op('GPADL_CREATE', 0, 1, 0) + op('PEER_GPADL', 0, 1, 0, 0)
        + op('GPADL_ACCESS', 1, 0, 0, 0, 32) + op('GPADL_ACCESS', 0, 0, 0, 0, 32)
        + op('GPADL_OP', 0, 0, 0, 0) + op('GPADL_CREATE', 0, 2, 1),
    'sends_around_pause': CLIENT
        + op('SEND', 0, 1, 0, 8, 2) + op('SEND', 0, 1, 1, 8, 8, 3) + op('PAUSE', 0)
        + op('SEND', 0, 0, 0, 1, 4) + op('START', 0) + op('PEER_COMPLETE', 0, 3, 0) + RECEIVE_ALL
        + op('SEND_SYNC', 0, 1, 0, 4, 16) + op('SEND', 0, 1, 0, 3, 5) + op('DISABLE', 0)
        + op('RESCIND'),
    'faults_and_settings': CLIENT + op('INJECT', 0, 0, 2) + op('SEND', 0, 0, 0, 16, 1)
        + op('INJECT', 0, 3, 1) + op('PEER_SEND', 0, 0, 9) + op('INJECT', 0, 1, 0)
        + op('PEER_SEND', 0, 3, 4, 6) + RECEIVE_ALL + op('SET_VALUE', 1, 0, 2, 0)
        + op('SET_VALUE', 2, 0, 50, 0) + op('CONFIGURE', 0, 0x20, 0, *([1] * 15))
        + op('PEER_STATE', 0, 6) + op('PEER_SEND', 0, 0, 1) + op('RECEIVE', 0, 1),
}

# one longer sequence, so the fuzzer starts with room for long ones
SEEDS['all_of_the_above'] = b''.join(SEEDS.values())

if __name__ == '__main__':
    os.makedirs(D, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(D, name), 'wb') as f:
            f.write(data)
