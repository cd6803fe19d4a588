import { expect } from 'vitest';
import type { JsonResponse } from './http.ts';

/**
 * Asserts the docs/api.md error envelope: status, code, a message, `meta.request_id` equal to the
 * `X-Request-Id` header, an ISO timestamp, and nothing that looks like a stack trace or SQL.
 */
export function expectErrorEnvelope(response: JsonResponse, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body?.error?.code, JSON.stringify(response.body)).toBe(code);
  expect(typeof response.body.error.message).toBe('string');
  expect(response.body.meta.request_id).toBeTruthy();
  expect(response.body.meta.request_id).toBe(response.headers.get('x-request-id'));
  expect(Number.isNaN(Date.parse(response.body.meta.timestamp))).toBe(false);
  expect(JSON.stringify(response.body)).not.toMatch(
    /\bat \S+\.[tj]s:\d+|"stack"|\bselect\b.*\bfrom\b|\binsert into\b/i,
  );
}
