import { describe, expect, it } from 'vitest';
import { encodeComment, encodeEvent, encodeSSEMessage } from '../src/sse-encode.ts';

describe('encodeSSEMessage', () => {
  it('writes exact bytes, splitting data on CR, LF and CRLF', () => {
    expect(encodeSSEMessage({ event: 'note', data: 'a\nb\r\nc\rd' })).toBe(
      'event: note\ndata: a\ndata: b\ndata: c\ndata: d\n\n',
    );
  });

  it('sends optional fields that are falsy but defined (retry: 0, empty id)', () => {
    expect(encodeSSEMessage({ data: 'x', id: '', retry: 0 })).toBe('id: \nretry: 0\ndata: x\n\n');
    expect(encodeSSEMessage({ data: '' })).toBe('data: \n\n');
  });

  it('rejects line breaks in event and id (field injection)', () => {
    expect(() => encodeSSEMessage({ event: 'a\nevent: b', data: 'x' })).toThrow(TypeError);
    expect(() => encodeSSEMessage({ event: 'a\rb', data: 'x' })).toThrow(TypeError);
    expect(() => encodeSSEMessage({ id: '1\r\ndata: evil', data: 'x' })).toThrow(TypeError);
    expect(() => encodeSSEMessage({ id: 'a\0b', data: 'x' })).toThrow(TypeError);
  });

  it('rejects a retry that is not a non-negative integer', () => {
    expect(() => encodeSSEMessage({ data: 'x', retry: -1 })).toThrow(TypeError);
    expect(() => encodeSSEMessage({ data: 'x', retry: 1.5 })).toThrow(TypeError);
  });
});

describe('encodeEvent', () => {
  it('writes one event line and one data line of JSON', () => {
    expect(encodeEvent('text', { delta: 'a\nb', step: 0, index: 0, t: 12 })).toBe(
      'event: text\ndata: {"delta":"a\\nb","step":0,"index":0,"t":12}\n\n',
    );
  });
});

describe('encodeComment', () => {
  it('defaults to a heartbeat', () => {
    expect(encodeComment()).toBe(': hb\n\n');
    expect(encodeComment('keep-alive')).toBe(': keep-alive\n\n');
  });
  it('rejects line breaks', () => {
    expect(() => encodeComment('a\nb')).toThrow(TypeError);
    expect(() => encodeComment('a\rb')).toThrow(TypeError);
  });
});
