/**
 * A bar chart in SVG: small enough to need no library, and readable by a screen reader (a label
 * for the whole, a title per bar). It stretches to its box, so its words live in the caption.
 */
export function BarChart(props: { label: string; points: { x: string; y: number }[]; unit: { one: string; many: string } }) {
  const { points } = props;
  const max = Math.max(1, ...points.map((p) => p.y));
  const width = 600;
  const height = 120;
  const bar = width / Math.max(1, points.length);
  const total = points.reduce((n, p) => n + p.y, 0);
  const units = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? props.unit.one : props.unit.many}`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height + 2}`} role="img" aria-label={`${props.label}: ${units(total)} in all, at most ${units(max)}`} preserveAspectRatio="none">
        {points.map((p, i) => {
          const h = (p.y / max) * height;
          return (
            <rect key={p.x} class="bar" x={i * bar + 1} y={height - h} width={Math.max(1, bar - 2)} height={h}>
              <title>{`${p.x}: ${units(p.y)}`}</title>
            </rect>
          );
        })}
        <line class="axis" x1="0" x2={width} y1={height} y2={height} />
      </svg>
      <figcaption>{props.label}</figcaption>
    </figure>
  );
}
