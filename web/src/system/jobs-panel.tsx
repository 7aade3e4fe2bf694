import { useState } from 'preact/hooks';
import { ApiError, postJson } from '../api.js';
import { KeyForm } from '../key-form.js';
import { count, duration } from '../format.js';
import type { JobsResponse } from '../types.js';
import { useFetch } from '../use-fetch.js';

/**
 * Offline jobs by class, with pause and resume (admin key, typed here and kept for this tab only
 * in sessionStorage). Hidden on a node without offline jobs.
 */
export function JobsPanel() {
  const [tick, setTick] = useState(0);
  const jobs = useFetch<JobsResponse>('/v1/jobs', 5_000, tick);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  if (jobs.state === 'absent' || jobs.state === 'loading') return null;

  const act = async (action: 'pause' | 'resume', jobClass?: string) => {
    try {
      await postJson(`/v1/jobs/${action}`, jobClass ? { class: jobClass } : {});
      setMessage({ ok: true, text: `${action === 'pause' ? 'Paused' : 'Resumed'} ${jobClass ?? 'all offline jobs'}.` });
      setTick((t) => t + 1);
    } catch (error) {
      const text = error instanceof ApiError && (error.status === 401 || error.status === 403) ? `Needs an admin key: ${error.message}` : String((error as Error).message ?? error);
      setMessage({ ok: false, text });
    }
  };

  return (
    <section class="panel jobs" aria-labelledby="jobs-title">
      <h2 id="jobs-title">Offline jobs</h2>
      <KeyForm id="admin-key" label="Admin key" />
      {message ? (
        <p role={message.ok ? 'status' : 'alert'} class={message.ok ? 'muted' : 'error'}>
          {message.text}
        </p>
      ) : null}
      {jobs.state === 'error' ? <p role="alert" class="error">{jobs.message}</p> : null}
      {jobs.state === 'ok' ? (
        <>
          <p>
            All offline jobs: <strong>{jobs.data.paused ? 'paused' : 'running'}</strong>{' '}
            <button type="button" onClick={() => void act(jobs.data.paused ? 'resume' : 'pause')}>
              {jobs.data.paused ? 'Resume all' : 'Pause all'}
            </button>
          </p>
          {jobs.data.load ? (
            <p>
              Machine load: <strong>{jobs.data.load.level}</strong>
              {jobs.data.load.reasons.length ? <span class="muted"> ({jobs.data.load.reasons.join('; ')})</span> : null}
            </p>
          ) : null}
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">Offline job classes</caption>
              <thead>
                <tr>
                  <th scope="col">class</th>
                  <th scope="col">state</th>
                  <th scope="col" class="num">queued</th>
                  <th scope="col" class="num">running</th>
                  <th scope="col" class="num">done</th>
                  <th scope="col" class="num">failed</th>
                  <th scope="col" class="num">rate</th>
                  <th scope="col" class="num">eta</th>
                  <th scope="col"><span class="visually-hidden">action</span></th>
                </tr>
              </thead>
              <tbody>
                {jobs.data.classes.map((c) => (
                  <tr key={c.name}>
                    <td class="mono">{c.name}</td>
                    <td>
                      {c.paused ? 'paused' : c.state ?? 'running'}
                      {c.note ? <span class="note">{c.note}</span> : null}
                    </td>
                    <td class="num">{count(c.queued)}</td>
                    <td class="num">{count(c.running)}</td>
                    <td class="num">{count(c.done)}</td>
                    <td class="num">{count(c.failed)}</td>
                    <td class="num">{c.ratePerMinute === null || c.ratePerMinute === undefined ? '—' : `${c.ratePerMinute.toFixed(1)}/min`}</td>
                    <td class="num">{duration(c.etaSeconds)}</td>
                    <td>
                      <button type="button" onClick={() => void act(c.paused ? 'resume' : 'pause', c.name)} aria-label={`${c.paused ? 'Resume' : 'Pause'} ${c.name}`}>
                        {c.paused ? 'Resume' : 'Pause'}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
