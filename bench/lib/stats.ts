/** Small statistics helpers for benchmark figures. @module */

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}
export const median = (v: readonly number[]): number => quantile(v, 0.5);
export const min = (v: readonly number[]): number => Math.min(...v);
export const max = (v: readonly number[]): number => Math.max(...v);

/** `12.3 (11.9–13.0)`: median with the range over runs. */
export function fmtRange(v: readonly number[], digits = 1): string {
  if (v.length === 0) return 'n/a';
  return `${median(v).toFixed(digits)} (${min(v).toFixed(digits)}–${max(v).toFixed(digits)})`;
}
export function fmt(v: number, digits = 1): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Epoch ms with sub-ms precision, the clock the sim stamps its ground truth with. */
export const nowEpoch = (): number => performance.timeOrigin + performance.now();
