/** Speed policy and model pickers (native radio group and select: keyboard and screen-reader ready). */
import { MODEL_CAPABILITIES, type SpeedPolicy } from '@slipstream/core';

const SPEEDS: readonly { value: SpeedPolicy; label: string; hint: string }[] = [
  { value: 'fast', label: 'Fast', hint: 'Always ask for fast; a fast rate limit is an error' },
  { value: 'standard', label: 'Standard', hint: 'Never ask for fast' },
  { value: 'auto', label: 'Auto', hint: 'Fast when available, standard otherwise (says why)' },
];

export function SpeedSelect(props: { value: SpeedPolicy; onChange: (value: SpeedPolicy) => void; name: string; disabled?: boolean }) {
  return (
    <fieldset className="segmented" data-testid="speed-select" disabled={props.disabled}>
      <legend>Speed</legend>
      {SPEEDS.map((s) => (
        <label key={s.value} title={s.hint}>
          <input
            type="radio"
            name={props.name}
            value={s.value}
            checked={props.value === s.value}
            onChange={() => props.onChange(s.value)}
            data-testid={`speed-${s.value}`}
          />
          {s.label}
        </label>
      ))}
    </fieldset>
  );
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
