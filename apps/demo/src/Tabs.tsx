/**
 * Accessible tabs (WAI-ARIA tabs pattern): arrow keys move between tabs, Home/End jump, the URL hash
 * keeps the current tab so a link (and the e2e suite) can open one directly.
 * @module
 */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface TabSpec<Id extends string> {
  id: Id;
  label: ReactNode;
  /** Small caption beside the label (e.g. "sim only"). */
  note?: string;
}

export function useHashTab<Id extends string>(ids: readonly Id[], fallback: Id): [Id, (id: Id) => void] {
  const read = useCallback((): Id => {
    const hash = window.location.hash.replace(/^#/, '');
    return (ids as readonly string[]).includes(hash) ? (hash as Id) : fallback;
  }, [ids, fallback]);
  const [tab, setTab] = useState<Id>(read);
  useEffect(() => {
    const onHash = () => setTab(read());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [read]);
  const select = useCallback((id: Id) => {
    setTab(id);
    if (window.location.hash !== `#${id}`) history.replaceState(null, '', `#${id}`);
  }, []);
  return [tab, select];
}

export function TabList<Id extends string>(props: {
  tabs: readonly TabSpec<Id>[];
  current: Id;
  onSelect: (id: Id) => void;
  label: string;
}) {
  const { tabs, current, onSelect, label } = props;
  const refs = useRef(new Map<Id, HTMLButtonElement>());

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = tabs.findIndex((t) => t.id === current);
    let next = -1;
    if (event.key === 'ArrowRight') next = (index + 1) % tabs.length;
    else if (event.key === 'ArrowLeft') next = (index - 1 + tabs.length) % tabs.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = tabs.length - 1;
    const target = tabs[next];
    if (!target) return;
    event.preventDefault();
    onSelect(target.id);
    refs.current.get(target.id)?.focus();
  };

  return (
    <div className="tabs" role="tablist" aria-label={label} onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button
          key={t.id}
          ref={(el) => {
            if (el) refs.current.set(t.id, el);
            else refs.current.delete(t.id);
          }}
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          className="tab"
          aria-selected={t.id === current}
          aria-controls={`panel-${t.id}`}
          tabIndex={t.id === current ? 0 : -1}
          data-testid={`tab-${t.id}`}
          onClick={() => onSelect(t.id)}
        >
          {t.label}
          {t.note ? <span className="tab-note">{t.note}</span> : null}
        </button>
      ))}
    </div>
  );
}
