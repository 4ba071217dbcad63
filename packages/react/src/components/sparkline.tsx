/** A tiny inline-SVG sparkline. @module */
import { memo, type SVGProps } from 'react';

export interface SparklineProps extends Omit<SVGProps<SVGSVGElement>, 'values' | 'ref'> {
  values: readonly number[];
  /** Drawing width and height in SVG units. Defaults 80 × 20; the SVG scales to its CSS size. */
  width?: number;
  height?: number;
}

/** Points for a polyline scaled into `width × height`, highest value at the top. */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return '';
  const top = Math.max(...finite, 1e-9);
  const step = finite.length > 1 ? width / (finite.length - 1) : 0;
  return finite
    .map((v, i) => `${(i * step).toFixed(1)},${(height - (Math.max(0, v) / top) * (height - 2) - 1).toFixed(1)}`)
    .join(' ');
}

/** Decorative: hidden from assistive technology (the number carries the meaning). */
export const Sparkline = memo(function Sparkline({ values, width = 80, height = 20, ...props }: SparklineProps) {
  const points = sparklinePoints(values, width, height);
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      aria-hidden="true"
      focusable="false"
      preserveAspectRatio="none"
      data-slipstream="sparkline"
      {...props}
    >
      {points && <polyline points={points} fill="none" stroke="currentColor" strokeWidth={1.5} vectorEffect="non-scaling-stroke" />}
    </svg>
  );
});
