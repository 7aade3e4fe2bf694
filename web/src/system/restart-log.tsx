import { dateTime } from '../format.js';
import type { RestartEntry } from '../types.js';

/** The restart log, newest first: restarts, give-ups and escalations with why. */
export function RestartLog(props: { restarts: RestartEntry[] }) {
  if (props.restarts.length === 0) return <p class="muted">No restarts: every actor has run since it started.</p>;
  return (
    <div class="table-scroll">
      <table class="restart-log">
        <caption class="visually-hidden">Restart log, newest first</caption>
        <thead>
          <tr>
            <th scope="col">when</th>
            <th scope="col">event</th>
            <th scope="col">actor</th>
            <th scope="col">why</th>
            <th scope="col" class="num">attempt</th>
            <th scope="col" class="num">delay</th>
            <th scope="col">strategy</th>
          </tr>
        </thead>
        <tbody>
          {props.restarts.map((r) => (
            <tr key={r.id ?? `${r.at}:${r.actor}:${r.event}:${r.attempt}`} class={`restart-${r.event}`} data-actor={r.actor}>
              <td>
                <time dateTime={new Date(r.at).toISOString()}>{dateTime(r.at)}</time>
              </td>
              <td>{r.event.replace('_', ' ')}</td>
              <td class="mono">{r.actor}</td>
              <td>
                {r.errorName}: {r.errorMessage}
              </td>
              <td class="num">{r.attempt}</td>
              <td class="num">{r.delayMs} ms</td>
              <td>{r.strategy}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
