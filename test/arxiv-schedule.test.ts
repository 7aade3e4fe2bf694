import { expect } from 'chai';
import { defaultPollPolicy, latestAnnouncement, nextAnnouncement, nextPollTime, previousAnnouncement } from '../src/sources/arxiv/schedule.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const minutes = 60_000;
const hours = 60 * minutes;

/** Weekday and wall-clock time in New York, e.g. `Sun 20:00`. */
function newYork(ms: number): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms).replace(',', '');
}

describe('arXiv announcement schedule', () => {
  describe('nextAnnouncement / previousAnnouncement', () => {
    it('announces at 20:00 New York time on a weekday, 01:00 UTC in winter', () => {
      expect(iso(nextAnnouncement(at('2026-03-02T12:00:00Z')))).to.equal('2026-03-03T01:00:00.000Z');
    });

    it('skips Friday and Saturday evenings: after Thursday comes Sunday', () => {
      expect(iso(nextAnnouncement(at('2026-02-27T00:59:59Z')))).to.equal('2026-02-27T01:00:00.000Z'); // Thu 20:00 EST
      expect(iso(nextAnnouncement(at('2026-02-27T01:00:00Z')))).to.equal('2026-03-02T01:00:00.000Z'); // Sun 20:00 EST
      expect(iso(previousAnnouncement(at('2026-02-28T23:00:00Z')))).to.equal('2026-02-27T01:00:00.000Z'); // from Sat
    });

    it('follows the switch to daylight time on 2026-03-08: Thursday 01:00 UTC, Sunday 00:00 UTC', () => {
      const thursday = nextAnnouncement(at('2026-03-05T12:00:00Z'));
      const sunday = nextAnnouncement(thursday);
      const monday = nextAnnouncement(sunday);
      expect([thursday, sunday, monday].map(iso)).to.deep.equal(['2026-03-06T01:00:00.000Z', '2026-03-09T00:00:00.000Z', '2026-03-10T00:00:00.000Z']);
      expect([thursday, sunday, monday].map(newYork)).to.deep.equal(['Thu 20:00', 'Sun 20:00', 'Mon 20:00']);
    });

    it('follows the switch back to standard time on 2026-11-01: Thursday 00:00 UTC, Sunday 01:00 UTC', () => {
      const thursday = nextAnnouncement(at('2026-10-29T12:00:00Z'));
      const sunday = nextAnnouncement(thursday);
      expect([thursday, sunday].map(iso)).to.deep.equal(['2026-10-30T00:00:00.000Z', '2026-11-02T01:00:00.000Z']);
      expect(iso(previousAnnouncement(sunday))).to.equal('2026-10-30T00:00:00.000Z');
    });

    it('counts an instant on an announcement as neither before nor after it, but as the latest', () => {
      const sunday = at('2026-03-09T00:00:00Z');
      expect(nextAnnouncement(sunday)).to.be.above(sunday);
      expect(previousAnnouncement(sunday)).to.be.below(sunday);
      expect(latestAnnouncement(sunday)).to.equal(sunday);
      expect(latestAnnouncement(sunday - 1)).to.equal(at('2026-03-06T01:00:00Z'));
    });

    it('crosses a year boundary: after Thursday 2026-12-31 comes Sunday 2027-01-03', () => {
      expect(iso(nextAnnouncement(at('2027-01-01T01:00:00Z')))).to.equal('2027-01-04T01:00:00.000Z');
    });

    it('over all of 2026, every announcement is at 20:00 Sunday to Thursday, and next/previous agree', () => {
      const seen: number[] = [];
      let t = at('2026-01-01T00:00:00Z');
      for (let i = 0; i < 400 && t < at('2027-01-01T00:00:00Z'); i++) {
        t = nextAnnouncement(t);
        seen.push(t);
      }
      expect(seen.length).to.be.within(258, 264);
      for (let i = 0; i < seen.length; i++) {
        expect(newYork(seen[i]!)).to.match(/^(Sun|Mon|Tue|Wed|Thu) 20:00$/);
        if (i > 0) {
          expect(previousAnnouncement(seen[i]!)).to.equal(seen[i - 1]);
          // A day or a weekend (3 days), an hour shorter or longer across a DST change.
          expect((seen[i]! - seen[i - 1]!) / hours).to.be.oneOf([23, 24, 25, 71, 72, 73]);
        }
      }
    });
  });

  describe('nextPollTime', () => {
    const sundayDst = at('2026-03-09T00:00:00Z'); // Sun 2026-03-08 20:00 EDT
    const monday = at('2026-03-10T00:00:00Z'); // Mon 20:00 EDT
    const tuesday = at('2026-03-11T00:00:00Z');

    it('plans the first look a few minutes after an announcement it has not seen', () => {
      expect(nextPollTime(monday + 1 * minutes, sundayDst)).to.deep.equal({ type: 'after-announcement', at: monday + 5 * minutes, announcementMs: monday });
    });

    it('retries every few minutes while the announcement is not visible yet', () => {
      expect(nextPollTime(monday + 5 * minutes + 300, sundayDst)).to.deep.equal({
        type: 'retry',
        at: monday + 10 * minutes,
        announcementMs: monday,
        giveUpAt: monday + 2 * hours,
      });
      expect(nextPollTime(monday + 117 * minutes, sundayDst)).to.include({ type: 'retry', at: monday + 120 * minutes });
    });

    it('gives up after two hours and sleeps until the next announcement, naming the one it missed', () => {
      expect(nextPollTime(monday + 120 * minutes + 1, sundayDst)).to.deep.equal({
        type: 'next-announcement',
        at: tuesday + 5 * minutes,
        announcementMs: tuesday,
        missedAnnouncementMs: monday,
      });
    });

    it('sleeps until the next announcement once the latest one has been seen', () => {
      expect(nextPollTime(monday + 6 * minutes, monday)).to.deep.equal({ type: 'next-announcement', at: tuesday + 5 * minutes, announcementMs: tuesday });
    });

    it('sleeps through the weekend and across the DST changes', () => {
      const thursdayBeforeDst = at('2026-03-06T01:00:00Z');
      expect(nextPollTime(at('2026-03-06T17:00:00Z'), thursdayBeforeDst)).to.include({ type: 'next-announcement', at: sundayDst + 5 * minutes });
      const thursdayBeforeStd = at('2026-10-30T00:00:00Z');
      expect(nextPollTime(at('2026-10-31T17:00:00Z'), thursdayBeforeStd)).to.include({ type: 'next-announcement', at: at('2026-11-02T01:05:00Z') });
    });

    it('over two weeks with late announcements and a skipped one, sees each within minutes and never polls at weekends', () => {
      const start = at('2026-10-25T12:00:00Z');
      const end = start + 14 * 24 * hours;
      const skipped = at('2026-11-03T01:00:00Z'); // Mon 2026-11-02: pretend a holiday
      // arXiv publishes 12 minutes late: an announcement is visible from then on, unless skipped.
      const visibleAt = (now: number): number | undefined => {
        let a = latestAnnouncement(now);
        for (let i = 0; i < 10 && (a === skipped || now < a + 12 * minutes); i++) a = previousAnnouncement(a);
        return a;
      };
      let lastSeen: number | undefined;
      let now = start;
      const polls: number[] = [];
      const missed: number[] = [];
      const seenLag = new Map<number, number>();
      for (let i = 0; i < 2000 && now < end; i++) {
        polls.push(now);
        const visible = visibleAt(now);
        if (visible !== undefined && (lastSeen === undefined || visible > lastSeen)) {
          lastSeen = visible;
          // The one visible at startup was announced before the simulation began.
          if (visible > start) seenLag.set(visible, now - visible);
        }
        const plan = nextPollTime(now, lastSeen);
        if (plan.type === 'next-announcement' && plan.missedAnnouncementMs !== undefined) missed.push(plan.missedAnnouncementMs);
        expect(plan.at).to.be.above(now);
        now = plan.at;
      }
      expect(now).to.be.at.least(end);
      expect([...new Set(missed)]).to.deep.equal([skipped]);
      for (const [, lag] of seenLag) expect(lag).to.be.at.most(12 * minutes + defaultPollPolicy.retryEveryMs);
      expect(seenLag.size).to.equal(9);
      expect(polls.map(newYork).filter((w) => /^(Fri|Sat)/.test(w))).to.deep.equal([]);
      // Three looks per announcement (20:05, :10, :15), two hours of them for the skipped one.
      expect(polls.length).to.be.below(10 * 3 + 24 + 5);
    });
  });
});
