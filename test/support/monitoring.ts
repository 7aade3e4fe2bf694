import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** docker/monitoring: the Prometheus rules and the Grafana dashboard shipped for operators. @internal */
export const monitoringDir = resolve('docker/monitoring');

interface Dashboard { panels: { type: string; title: string; targets?: { expr: string }[] }[] }

/** @internal */
export const monitoringRules = () => parse(readFileSync(join(monitoringDir, 'prometheus/paperd-rules.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
/** @internal */
export const monitoringDashboard = () => JSON.parse(readFileSync(join(monitoringDir, 'grafana/paperd-dashboard.json'), 'utf8')) as Dashboard;
/** Every panel query, with the `$node` variable as "any node". @internal */
export const dashboardExprs = () => monitoringDashboard().panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr.replaceAll('$node', '.*')));
/** The paperd series an expression reads. @internal */
export const metricNames = (expr: string) => [...expr.matchAll(/\b(paperd_[a-z0-9_]+)\b/g)].map((m) => m[1]!);

/** The paperd series the rules and the dashboard read, by where they are read. @internal */
export function monitoredMetrics(): { rules: Set<string>; dashboard: Set<string>; all: Set<string> } {
  const rules = new Set(monitoringRules().groups.flatMap((g) => g.rules.flatMap((r) => metricNames(r.expr))));
  const dashboard = new Set(dashboardExprs().flatMap(metricNames));
  return { rules, dashboard, all: new Set([...rules, ...dashboard]) };
}

/** The series names a /metrics text declares (a histogram's _bucket, _count and _sum included). @internal */
export function exportedMetricNames(metrics: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of metrics.matchAll(/^# TYPE (paperd_[a-z0-9_]+) (\w+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) names.add(name + suffix);
  }
  return names;
}
