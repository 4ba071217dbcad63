import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSim } from '../src/index.ts';

const sim = createSim({ ttftMs: 0, standardOtps: 0, jitter: 0 });

const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 2 }));
const field = <T,>(valid: fc.Arbitrary<T>) => fc.option(fc.oneof(valid, anyValue), { nil: undefined });

const bodyArb = fc.record(
  {
    model: field(fc.constantFrom('claude-opus-4-8', 'claude-opus-4-6', 'claude-sonnet-4-6', 'claude-haiku-4-5', 'x')),
    max_tokens: field(fc.integer({ min: -5, max: 300 })),
    stream: field(fc.boolean()),
    speed: field(fc.constantFrom('fast', 'standard', 'turbo')),
    thinking: field(fc.constantFrom({ type: 'adaptive' }, { type: 'enabled', budget_tokens: 1024 }, { type: 'disabled' }, { type: 'x' })),
    system: field(fc.string()),
    temperature: field(fc.double({ min: 0, max: 1, noNaN: true })),
    tools: field(fc.constant([{ name: 't', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }])),
    messages: field(
      fc.array(
        fc.record({
          role: fc.oneof(fc.constantFrom('user', 'assistant'), anyValue),
          content: fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.record({ type: fc.constantFrom('text', 'image', 'tool_result'), text: fc.oneof(fc.string(), anyValue) }), { maxLength: 3 }), anyValue),
        }),
        { maxLength: 3 },
      ),
    ),
  },
  { requiredKeys: [] },
);

const rawArb = fc.oneof(
  { weight: 4, arbitrary: bodyArb.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.json() },
);

describe('fuzzed requests never crash the sim', () => {
  it('every request gets 200 or a documented JSON error with request_id', async () => {
    await fc.assert(
      fc.asyncProperty(rawArb, fc.boolean(), fc.boolean(), async (raw, beta, newVersion) => {
        const res = await sim.fetch(
          new Request('http://sim.test/v1/messages', {
            method: 'POST',
            headers: {
              'x-api-key': 'k',
              'anthropic-version': newVersion ? '2026-10-21' : '2023-06-01',
              ...(beta ? { 'anthropic-beta': 'fast-mode-2026-02-01' } : {}),
            },
            body: raw,
          }),
        );
        const text = await res.text();
        const id = res.headers.get('request-id');
        expect(id).toMatch(/^req_/u);
        if (res.status === 200) return;
        expect([400, 404]).toContain(res.status);
        const body = JSON.parse(text) as { type: string; error: { type: string; message: string }; request_id: string };
        expect(body.type).toBe('error');
        expect(body.request_id).toBe(id);
        expect(typeof body.error.message).toBe('string');
      }),
      { numRuns: 300, seed: 42 },
    );
    expect(sim.stats().activeStreams).toBe(0);
  });
});
