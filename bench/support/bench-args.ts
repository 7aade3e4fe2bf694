/** The command line of a bench script: `--name value` pairs after the script's path. */
const args = process.argv.slice(2);

/** A numeric `--name N` (0 included), or `fallback` when it is missing or not a number. */
export function numberOption(name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : NaN;
  return Number.isFinite(value) ? value : fallback;
}

/** A `--name value`, or undefined when it is missing. */
export function stringOption(name: string): string | undefined {
  return args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined;
}

/** Every value of a `--name value` given more than once, in order. */
export function repeatedOption(name: string): string[] {
  return args.flatMap((arg, i) => (arg === `--${name}` && args[i + 1] !== undefined ? [args[i + 1]!] : []));
}

/** The `p` quantile (0–1) of `values` by the nearest rank below; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}
