import { isPlainClick, navigate, paperHref } from '../router.js';
import type { Neighbors } from '../types.js';
import { entityLabel } from './entity-links.js';

const MAX_SHOWN = 24;

/** The paper and what the graph links it to, drawn as a small ring; papers in it open on click. */
export function Neighbourhood(props: { paperId: string; neighbors: Neighbors }) {
  const shown = props.neighbors.neighbors.filter((n) => n.distance === 1).slice(0, MAX_SHOWN);
  if (shown.length === 0) return null;
  const size = 360;
  const c = size / 2;
  const r = size / 2 - 60;
  const kinds = [...new Set(shown.map((n) => n.entity.kind))].sort();
  return (
    <section class="panel neighbourhood" aria-labelledby="graph-title">
      <h2 id="graph-title">Neighbourhood</h2>
      <svg viewBox={`0 0 ${size} ${size}`} role="group" aria-label={`The paper and ${shown.length} linked entities: ${kinds.join(', ')}`}>
        {shown.map((n, i) => {
          const a = (2 * Math.PI * i) / shown.length - Math.PI / 2;
          return <line key={`l${n.entity.id}`} class="edge" x1={c} y1={c} x2={c + r * Math.cos(a)} y2={c + r * Math.sin(a)} />;
        })}
        <circle class="node node-paper centre" cx={c} cy={c} r="10">
          <title>{props.paperId}</title>
        </circle>
        {shown.map((n, i) => {
          const a = (2 * Math.PI * i) / shown.length - Math.PI / 2;
          const x = c + r * Math.cos(a);
          const y = c + r * Math.sin(a);
          const label = entityLabel(n.entity);
          const short = label.length > 18 ? `${label.slice(0, 17)}…` : label;
          const node = (
            <g class={`node-group node-${n.entity.kind}`}>
              <circle class="node" cx={x} cy={y} r="6" />
              <text x={x} y={y + (y < c ? -10 : 16)} text-anchor="middle">
                {short}
              </text>
              <title>{`${n.entity.kind} ${label} (${n.via.kind})`}</title>
            </g>
          );
          if (n.entity.kind !== 'paper') return <g key={n.entity.id}>{node}</g>;
          const href = paperHref(n.entity.key);
          return (
            <a
              key={n.entity.id}
              href={href}
              onClick={(e) => {
                if (!isPlainClick(e)) return;
                e.preventDefault();
                navigate(href);
              }}
            >
              {node}
            </a>
          );
        })}
      </svg>
      <ul class="legend" aria-hidden="true">
        {kinds.map((k) => (
          <li key={k} class={`node-${k}`}>
            {k}
          </li>
        ))}
      </ul>
    </section>
  );
}
