/** Small formatters shared by the views. */

export const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '');

export function time(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour12: false });
}

export function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 10)} ${d.toLocaleTimeString(undefined, { hour12: false })}`;
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

export function authorsLine(authors: readonly string[], max = 4): string {
  return authors.length <= max ? authors.join(', ') : `${authors.slice(0, max).join(', ')} et al.`;
}

/** True for an arXiv identifier (new style 2401.00001 or old style hep-th/9901001), which has an abs page. */
export function isArxivId(id: string): boolean {
  return /^\d{4}\.\d{4,5}$/.test(id) || /^[a-z-]+(\.[A-Z]{2})?\/\d{7}$/.test(id);
}
