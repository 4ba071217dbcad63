/**
 * The Chat tab: a conversation with a speed policy and model picker, each reply with its own badge,
 * TTFT, OTPS and cost; stop, regenerate, retry.
 * @module
 */
import type { SpeedPolicy } from '@slipstream/core';
import { useState } from 'react';
import { Conversation } from './Conversation.tsx';
import { fastUnavailableReason, ModelSelect, SpeedSelect } from './controls.tsx';

export function ChatTab() {
  const [speed, setSpeed] = useState<SpeedPolicy>('auto');
  const [model, setModel] = useState('claude-opus-4-8');
  const noFast = fastUnavailableReason(model);
  const pickModel = (next: string) => {
    setModel(next);
    // Fast cannot succeed on a standard-only model: move the policy to Auto rather than offer a sure error.
    if (speed === 'fast' && fastUnavailableReason(next) !== null) setSpeed('auto');
  };
  return (
    <Conversation
      id="chat"
      speed={speed}
      model={model}
      toolbar={
        <>
          <SpeedSelect value={speed} onChange={setSpeed} name="chat-speed" fastUnavailableReason={noFast} />
          <ModelSelect value={model} onChange={pickModel} id="chat-model" />
        </>
      }
      empty={
        <div className="empty">
          <h2>Ask anything, and watch the numbers</h2>
          <p>
            Each reply shows the speed it was <em>served</em> at (from <code>usage.speed</code>), time to first token, output
            tokens per second (live estimate while streaming, exact when done) and its cost. Try <strong>Auto</strong>: fast when
            the fast budget allows, standard otherwise, and the badge says why.
          </p>
        </div>
      }
      suggestions={[
        'Write a TypeScript function that debounces a fetch, with code',
        'Give me a step-by-step plan to migrate a chat API to the edge',
        'Return a JSON config for a rate limiter',
      ]}
    />
  );
}
