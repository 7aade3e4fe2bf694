type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** An entity's attributes with, per top-level attribute, when its source said it (ms since epoch). */
export interface TimedAttrs {
  readonly attrs: Json;
  readonly times: Readonly<Record<string, number>>;
}

/**
 * Merges what a source says at `at` over what is known: each top-level attribute is taken only
 * when the statement is at least as new as the one that set it, so news that arrives late (a
 * webhook delivered after a newer poll) never overwrites newer news. Returns whether the values
 * changed, and whether only the times did (a newer source confirming the same value).
 */
export function mergeTimedAttrs(known: TimedAttrs, patch: Json, at: number): TimedAttrs & { changed: boolean; timesChanged: boolean } {
  const attrs: Json = { ...known.attrs };
  const times: Record<string, number> = { ...known.times };
  let changed = false;
  let timesChanged = false;
  for (const [key, value] of Object.entries(patch)) {
    const setAt = times[key];
    if (setAt !== undefined && setAt > at) continue;
    const before = attrs[key];
    const after = value === null ? undefined : mergePatch(before, value);
    if (after === undefined) delete attrs[key];
    else attrs[key] = after;
    if (JSON.stringify(before) !== JSON.stringify(after)) changed = true;
    if (setAt !== at) {
      times[key] = at;
      timesChanged = true;
    }
  }
  return { attrs, times, changed, timesChanged };
}
