import { useEffect, useState } from 'preact/hooks';
import { getOptional } from '../api.js';
import { LineChart } from '../charts/line-chart.js';
import { count } from '../format.js';
import type { PipelineState, StoreStats } from '../types.js';

interface Sample {
  t: number;
  depth: number | null;
  papers: number | null;
  paused: boolean | null;
}

const SAMPLE_MS = 5_000;
const KEEP = 120;

/** Samples depth and paper counts while the page is open: the charts show the last ten minutes. */
function useSamples(): { samples: Sample[]; pipeline: PipelineState | undefined; stats: StoreStats | undefined } {
  const [state, setState] = useState<{ samples: Sample[]; pipeline?: PipelineState; stats?: StoreStats }>({ samples: [] });
  useEffect(() => {
    let stopped = false;
    const sample = async () => {
      const [pipeline, stats] = await Promise.all([
        getOptional<PipelineState>('/v1/pipeline').catch(() => undefined),
        getOptional<StoreStats>('/v1/stats').catch(() => undefined),
      ]);
      if (stopped) return;
      const s: Sample = { t: Date.now(), depth: pipeline?.depth ?? stats?.pipelineDepth ?? null, papers: stats?.papers ?? null, paused: pipeline?.paused ?? null };
      setState((prev) => ({ samples: [...prev.samples, s].slice(-KEEP), pipeline, stats }));
    };
    void sample();
    const timer = setInterval(() => void sample(), SAMPLE_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return { samples: state.samples, pipeline: state.pipeline, stats: state.stats };
}

/** Papers a minute between consecutive samples. */
function ingestRate(samples: Sample[]): { t: number; y: number }[] {
  const out: { t: number; y: number }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a.papers === null || b.papers === null) continue;
    out.push({ t: b.t, y: Math.max(0, ((b.papers - a.papers) * 60_000) / (b.t - a.t)) });
  }
  return out;
}

/** Pipeline depth and backpressure, the journal by state, and depth and ingest rate over time. */
export function PipelinePanel() {
  const { samples, pipeline, stats } = useSamples();
  if (!pipeline && !stats) return null;
  const depth = samples.filter((s) => s.depth !== null).map((s) => ({ t: s.t, y: s.depth! }));
  return (
    <section class="panel pipeline" aria-labelledby="pipeline-title">
      <h2 id="pipeline-title">Pipeline</h2>
      <dl class="figures">
        <div>
          <dt>depth</dt>
          <dd>{count(pipeline?.depth ?? stats?.pipelineDepth)}</dd>
        </div>
        {pipeline ? (
          <div>
            <dt>backpressure</dt>
            <dd class={pipeline.paused ? 'bp-paused' : 'bp-flowing'}>{pipeline.paused ? 'producers paused' : 'flowing'}</dd>
          </div>
        ) : null}
        {pipeline ? (
          <div>
            <dt>watermarks</dt>
            <dd>
              {count(pipeline.lowWatermark)} / {count(pipeline.highWatermark)}
            </dd>
          </div>
        ) : null}
        {stats
          ? Object.entries(stats.jobs).map(([state, n]) => (
              <div key={state}>
                <dt>jobs {state}</dt>
                <dd>{count(n)}</dd>
              </div>
            ))
          : null}
      </dl>
      <div class="charts">
        <LineChart
          label="Pipeline depth"
          unit="items"
          points={depth}
          marks={pipeline ? [{ y: pipeline.highWatermark, label: `high watermark ${pipeline.highWatermark}` }] : []}
        />
        <LineChart label="Ingest rate" unit="papers/min" points={ingestRate(samples)} />
      </div>
    </section>
  );
}
