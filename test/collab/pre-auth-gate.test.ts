// The pre-auth gate (src/collab/pre-auth-gate.ts) on its own: what it delivers, holds, releases and
// refuses, driven by the verdict frames Hocuspocus sends back.
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { createPreAuthGate, type GateRefusal, MAX_AUTH_FRAME_BYTES } from '../../src/collab/pre-auth-gate.ts';

function frame(address: string, type: number, body: Uint8Array = new Uint8Array([0, 0])): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, address);
  encoding.writeVarUint(encoder, type);
  encoding.writeUint8Array(encoder, body);
  return encoding.toUint8Array(encoder);
}
const auth = (address: string, token = 'token') => {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarString(encoder, token);
  return frame(address, 2, encoding.toUint8Array(encoder));
};
const verdict = (address: string, authenticated: boolean) => {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, authenticated ? 2 : 1);
  encoding.writeVarString(encoder, authenticated ? 'read-write' : 'permission-denied');
  return frame(address, 2, encoding.toUint8Array(encoder));
};

function gateUnderTest(maxPendingBytes = 1000) {
  const delivered: Uint8Array[] = [];
  const refusals: GateRefusal[] = [];
  const gate = createPreAuthGate({
    maxPendingBytes,
    deliver: (bytes) => delivered.push(bytes),
    refuse: (refusal) => refusals.push(refusal),
  });
  return { gate, delivered, refusals };
}

describe('pre-auth gate', () => {
  it('closes a socket that sends anything but Auth for a document it has not authenticated (4401)', () => {
    const { gate, delivered, refusals } = gateUnderTest();
    gate.receive(frame('doc-a', 0));
    expect(delivered).toEqual([]);
    expect(refusals).toEqual([{ close: { code: 4401, reason: 'Unauthorized' }, code: 'UNAUTHORIZED' }]);
  });

  it('holds frames while the authentication is pending and releases them in order once authenticated', () => {
    const { gate, delivered, refusals } = gateUnderTest();
    const token = auth('doc-a');
    const step1 = frame('doc-a', 0, new Uint8Array([0, 1, 0]));
    const awareness = frame('doc-a', 1, new Uint8Array([1, 0]));
    gate.receive(token);
    gate.receive(step1);
    gate.receive(awareness);
    expect(delivered).toEqual([token]);
    expect(gate.heldBytes).toBe(step1.length + awareness.length);
    gate.observeOutgoing(verdict('doc-a', true));
    expect(delivered).toEqual([token, step1, awareness]);
    expect(gate.heldBytes).toBe(0);
    const later = frame('doc-a', 0);
    gate.receive(later);
    expect(delivered.at(-1)).toBe(later);
    expect(refusals).toEqual([]);
  });

  it('drops held frames when the authentication is denied; the next data frame closes the socket', () => {
    const { gate, delivered, refusals } = gateUnderTest();
    gate.receive(auth('doc-a'));
    gate.receive(frame('doc-a', 0));
    gate.observeOutgoing(verdict('doc-a', false));
    expect(delivered).toHaveLength(1);
    expect(gate.heldBytes).toBe(0);
    // The provider detaching from the refused document (on destroy) is dropped, not refused.
    gate.receive(frame('doc-a', 7, new Uint8Array()));
    expect(refusals).toEqual([]);
    gate.receive(frame('doc-a', 0));
    expect(refusals.map((refusal) => refusal.close.code)).toEqual([4401]);
  });

  it('bounds the bytes held per socket and the size of an Auth frame (4413)', () => {
    const held = gateUnderTest(100);
    held.gate.receive(auth('doc-a'));
    held.gate.receive(frame('doc-a', 0, new Uint8Array(60)));
    expect(held.refusals).toEqual([]);
    held.gate.receive(frame('doc-a', 0, new Uint8Array(60)));
    expect(held.refusals).toEqual([
      { close: { code: 4413, reason: 'Too much data before authentication' }, code: 'PAYLOAD_TOO_LARGE' },
    ]);

    const big = gateUnderTest();
    big.gate.receive(auth('doc-a', 'x'.repeat(MAX_AUTH_FRAME_BYTES)));
    expect(big.delivered).toEqual([]);
    expect(big.refusals.map((refusal) => refusal.close.code)).toEqual([4413]);
  });

  it('refuses a non-Auth frame for an invalid document name before anything reads it (4400)', () => {
    const { gate, refusals } = gateUnderTest();
    gate.receive(frame('bad\n{"level":60,"msg":"forged"}', 1));
    expect(refusals.map((refusal) => refusal.close)).toEqual([{ code: 4400, reason: 'Malformed message' }]);
  });

  it('lets pongs through, and needs a new Auth after the client closes a document', () => {
    const { gate, delivered, refusals } = gateUnderTest();
    gate.receive(new Uint8Array([10]));
    gate.receive(auth('doc-a'));
    gate.observeOutgoing(verdict('doc-a', true));
    gate.receive(frame('doc-a', 7, new Uint8Array()));
    expect(delivered).toHaveLength(3);
    gate.receive(frame('doc-a', 0));
    expect(refusals.map((refusal) => refusal.close.code)).toEqual([4401]);
  });
});
