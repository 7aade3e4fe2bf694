/**
 * arXiv's announcement schedule: new submissions are announced at 20:00 US Eastern time (EST or
 * EDT, whichever is in force), on Sunday to Thursday evenings. Holidays that skip an announcement
 * are not modelled: the poller's retry window runs out and it waits for the next one.
 * Everything here is a pure function of epoch milliseconds.
 */

const announcementZone = 'America/New_York';
const announcementHour = 20;
/** Sunday (0) to Thursday (4), by the day of week in New York. */
const announcementDays = new Set([0, 1, 2, 3, 4]);

const wallClockFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: announcementZone,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

function wallClock(ms: number): WallClock {
  const parts: Record<string, number> = {};
  for (const part of wallClockFormat.formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** New York's offset from UTC at instant `ms` (negative: -5 h in winter, -4 h in summer). */
function newYorkOffsetMs(ms: number): number {
  const w = wallClock(ms);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant of 20:00 New York time on a New York calendar date (month 1-based; day may overflow). */
function announcementInstant(year: number, month: number, day: number): number {
  const wallAsUtc = Date.UTC(year, month - 1, day, announcementHour);
  // DST changes happen at 02:00, far from 20:00, so a second pass with the offset found settles it.
  const guess = wallAsUtc - newYorkOffsetMs(wallAsUtc);
  return wallAsUtc - newYorkOffsetMs(guess);
}

/** The announcements on the New York dates from `fromDay` to `toDay` days after `ms`'s date, in order. */
function announcementsAround(ms: number, fromDay: number, toDay: number): number[] {
  const today = wallClock(ms);
  const found: number[] = [];
  for (let offset = fromDay; offset <= toDay; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    if (!announcementDays.has(date.getUTCDay())) continue;
    found.push(announcementInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()));
  }
  return found;
}

/** The first announcement strictly after `afterMs` (epoch ms). */
export function nextAnnouncement(afterMs: number): number {
  // Friday evening to Sunday evening is the longest gap: three days, so a week always holds one.
  const next = announcementsAround(afterMs, 0, 7).find((at) => at > afterMs);
  if (next === undefined) throw new Error(`no arXiv announcement found after ${new Date(afterMs).toISOString()}`);
  return next;
}

/** The last announcement strictly before `beforeMs` (epoch ms). */
export function previousAnnouncement(beforeMs: number): number {
  const previous = announcementsAround(beforeMs, -7, 0).reverse().find((at) => at < beforeMs);
  if (previous === undefined) throw new Error(`no arXiv announcement found before ${new Date(beforeMs).toISOString()}`);
  return previous;
}

/** The last announcement at or before `nowMs`: the one a listing fetched now should show. */
export function latestAnnouncement(nowMs: number): number {
  return previousAnnouncement(nowMs + 1);
}

/** How the poller spaces its visits around an announcement. */
export interface PollPolicy {
  /** First look this long after the announcement time, once arXiv has had time to publish. */
  readonly delayAfterMs: number;
  /** While the announcement is not visible yet, look again this often. */
  readonly retryEveryMs: number;
  /** Give up on an announcement this long after its time (a holiday, an outage) and wait for the next. */
  readonly retryForMs: number;
}

export const defaultPollPolicy: PollPolicy = { delayAfterMs: 5 * 60_000, retryEveryMs: 5 * 60_000, retryForMs: 2 * 60 * 60_000 };

/** The poller's next step, discriminated by `type`. `at` is when to poll next (epoch ms). */
export type PollPlan =
  /** An announcement has passed and has not been polled for: first look at its time + delay. */
  | { readonly type: 'after-announcement'; readonly at: number; readonly announcementMs: number }
  /** The latest announcement is due but was not visible yet: look again, until `giveUpAt`. */
  | { readonly type: 'retry'; readonly at: number; readonly announcementMs: number; readonly giveUpAt: number }
  /**
   * Nothing to do until the next announcement (its time + delay). `missedAnnouncementMs` names
   * the latest announcement when it was never seen within its retry window.
   */
  | { readonly type: 'next-announcement'; readonly at: number; readonly announcementMs: number; readonly missedAnnouncementMs?: number };

/**
 * When to poll next, given the time and the latest announcement the poller has seen (as mapped by
 * `latestAnnouncement` from what the listing showed; undefined when it has seen none). Retries
 * fall on a fixed grid (announcement + delay + k·retryEvery), so the plan depends only on its
 * inputs and a restart does not shift it. A poller that starts should poll once at startup, then
 * follow this plan after every poll.
 */
export function nextPollTime(nowMs: number, lastSeenAnnouncementMs: number | undefined, policy: PollPolicy = defaultPollPolicy): PollPlan {
  const latest = latestAnnouncement(nowMs);
  const seen = lastSeenAnnouncementMs !== undefined && lastSeenAnnouncementMs >= latest;
  let missed: number | undefined;
  if (!seen) {
    const firstLook = latest + policy.delayAfterMs;
    const giveUpAt = latest + policy.retryForMs;
    if (nowMs < firstLook) return { type: 'after-announcement', at: firstLook, announcementMs: latest };
    const at = firstLook + (Math.floor((nowMs - firstLook) / policy.retryEveryMs) + 1) * policy.retryEveryMs;
    if (at <= giveUpAt) return { type: 'retry', at, announcementMs: latest, giveUpAt };
    missed = latest;
  }
  const next = nextAnnouncement(nowMs);
  return {
    type: 'next-announcement',
    at: next + policy.delayAfterMs,
    announcementMs: next,
    ...(missed === undefined ? {} : { missedAnnouncementMs: missed }),
  };
}
