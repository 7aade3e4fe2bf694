/** A line over time in SVG (depth, rates): the page samples it while it is open. */
export function LineChart(props: { label: string; points: { t: number; y: number }[]; unit: string; marks?: { y: number; label: string }[] }) {
  const { points } = props;
  const width = 600;
  const height = 100;
  const max = Math.max(1, ...points.map((p) => p.y), ...(props.marks ?? []).map((m) => m.y));
  const t0 = points[0]?.t ?? 0;
  const span = Math.max(1, (points[points.length - 1]?.t ?? 1) - t0);
  const x = (t: number) => ((t - t0) / span) * width;
  const y = (v: number) => height - (v / max) * height;
  const last = points[points.length - 1];
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height + 4}`} role="img" aria-label={`${props.label}: now ${last ? last.y.toLocaleString('en-US') : 'unknown'} ${props.unit}, at most ${max.toLocaleString('en-US')}`} preserveAspectRatio="none">
        {(props.marks ?? []).map((m) => (
          <line key={m.label} class="mark" x1="0" x2={width} y1={y(m.y)} y2={y(m.y)}>
            <title>{m.label}</title>
          </line>
        ))}
        {points.length > 1 ? <polyline class="line" points={points.map((p) => `${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')} /> : null}
        <line class="axis" x1="0" x2={width} y1={height} y2={height} />
      </svg>
      <figcaption>
        {props.label}
        {last ? `: ${last.y.toLocaleString('en-US', { maximumFractionDigits: 1 })} ${props.unit}` : ''}
      </figcaption>
    </figure>
  );
}
