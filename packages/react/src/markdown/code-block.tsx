'use client';
/**
 * A fenced code block's chrome: the language label and a copy button above the `<pre>`.
 *
 * @module
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';

/** How long "Copied" stays before the button reads "Copy" again. */
const COPIED_MS = 1600;

/** Writes text to the clipboard; falls back to a hidden textarea where the async API is missing or refused. */
async function writeClipboard(text: string): Promise<boolean> {
  try {
    if (typeof navigator !== 'undefined' && navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Permission refused or insecure context: try the legacy path below.
  }
  if (typeof document === 'undefined') return false;
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/**
 * Copies `text`. The button says what happened ("Copied" / "Copy failed") in its own label, which a
 * screen reader reads because the button keeps focus; no live region is needed.
 */
export function CopyButton({ text, label = 'Copy', className, ...rest }: { text: string; label?: string; className?: string } & Record<`data-${string}`, string>): ReactNode {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  return (
    <button
      type="button"
      className={className}
      data-state={state}
      {...rest}
      onClick={() => {
        void writeClipboard(text).then((ok) => {
          setState(ok ? 'copied' : 'failed');
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => setState('idle'), COPIED_MS);
        });
      }}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : label}
    </button>
  );
}

/**
 * The header of a code block. The copy button appears once the closing fence has arrived (copying half
 * a block is a trap); the header's height is the same before and after, so nothing shifts.
 */
export function CodeHeader({ lang, code, closed }: { lang: string; code: string; closed: boolean }): ReactNode {
  return (
    <div data-md="code-header">
      <span data-md="code-lang">{lang || 'text'}</span>
      {closed ? <CopyButton text={code} data-md="code-copy" /> : null}
    </div>
  );
}
