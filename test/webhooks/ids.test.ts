import { describe, expect, it } from 'vitest';
import { looksLikeId, newId } from '../../src/webhooks/ids.js';

describe('webhooks/ids › RFC 9562 UUIDv7', () => {
  it('ids sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 2000 }, () => newId(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carries version 7 and the RFC variant, and is recognised as an id', () => {
    const id = newId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(looksLikeId(id)).toBe(true);
  });

  it.each([[''], ['not-a-uuid'], ['a\u0000b'], ["' or 1=1 --"], ['01a2230b-950c-7000-a110-a7651d49135']])('%j is not an id', (s) => {
    expect(looksLikeId(s)).toBe(false);
  });
});
