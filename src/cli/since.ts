import { BadInputError } from '../errors.js';

/** `--since`: an ISO date/time, epoch milliseconds, or a duration back from now (`90s`, `15m`, `2h`, `7d`). */
export function parseSince(text: string, now = Date.now()): number {
  const relative = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(relative[1]) * unit;
  }
  if (/^\d{10,}$/.test(text.trim())) return Number(text.trim());
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new BadInputError(`--since ${JSON.stringify(text)}: expected a date (2026-11-27T10:00Z), epoch ms, or a duration like 15m, 2h, 7d`);
  return parsed;
}
