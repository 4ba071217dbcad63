/** Speed policy and model pickers (native radio group and select: keyboard and screen-reader ready). */
import { MODEL_CAPABILITIES, type SpeedPolicy } from '@slipstream/core';

const SPEEDS: readonly { value: SpeedPolicy; label: string; hint: string }[] = [
  { value: 'fast', label: 'Fast', hint: 'Always ask for fast; a fast rate limit is an error' },
  { value: 'standard', label: 'Standard', hint: 'Never ask for fast' },
  { value: 'auto', label: 'Auto', hint: 'Fast when available, standard otherwise (says why)' },
];

export function SpeedSelect(props: {
  value: SpeedPolicy;
  onChange: (value: SpeedPolicy) => void;
  name: string;
  disabled?: boolean;
  /** The chosen model has no fast mode: Fast is offered disabled, with the reason beside it. */
  fastUnavailableReason?: string | null;
}) {
  const noFast = props.fastUnavailableReason ?? null;
  const noteId = `${props.name}-nofast`;
  return (
    <>
      <fieldset className="segmented" data-testid="speed-select" disabled={props.disabled}>
        <legend>Speed</legend>
        {SPEEDS.map((s) => {
          const off = s.value === 'fast' && noFast !== null;
          return (
            <label key={s.value} title={off ? noFast : s.hint} data-disabled={off || undefined}>
              <input
                type="radio"
                name={props.name}
                value={s.value}
                checked={props.value === s.value}
                disabled={off}
                aria-describedby={off ? noteId : undefined}
                onChange={() => props.onChange(s.value)}
                data-testid={`speed-${s.value}`}
              />
              {s.label}
            </label>
          );
        })}
      </fieldset>
      {noFast ? (
        <span className="control-note" id={noteId} data-testid="fast-unavailable">
          {noFast}
        </span>
      ) : null}
    </>
  );
}

/** Why Fast cannot be asked for with this model, or `null` when it can. */
export function fastUnavailableReason(model: string): string | null {
  const capability = MODEL_CAPABILITIES[model];
  if (!capability || capability.fast) return null;
  return `${capability.displayName} has no fast mode: Auto and Standard serve it at standard speed.`;
}

export function ModelSelect(props: { value: string; onChange: (value: string) => void; id: string; disabled?: boolean }) {
  return (
    <label className="field" htmlFor={props.id}>
      <span>Model</span>
      <select
        id={props.id}
        className="select"
        value={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.value)}
        data-testid="model-select"
      >
        {Object.values(MODEL_CAPABILITIES).map((m) => (
          <option key={m.id} value={m.id}>
            {m.displayName}
            {m.fast ? ' · fast' : ' · standard only'}
          </option>
        ))}
      </select>
    </label>
  );
}
