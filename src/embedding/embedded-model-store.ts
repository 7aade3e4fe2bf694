import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError, EmbeddedModelCorruptError, NotFoundError } from '../errors.js';
import { LsaEmbedder } from './lsa/lsa-embedder.js';
import { writeFileDurably } from '../storage/durable-file.js';

const FIT_ID = /^[0-9a-f]{16}$/;
const MODEL_FILE = /^lsa-([0-9a-f]{16})\.bin$/;
const ACTIVE_FILE = 'active.json';

/**
 * Fitted embedded models as files under `<dataDir>/models`: `lsa-<fitId>.bin`, one per fit, and
 * `active.json` naming the one whose vectors the vector table holds. Saving and activating are
 * separate steps so that a refit can be saved, the corpus re-embedded with it, and only then made
 * active; a crash in between leaves the old model active and its vectors valid. Every write goes to
 * a temporary file, is fsynced and renamed into place.
 */
export class EmbeddedModelStore {
  /** The directory models live in. */
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'models');
  }

  /**
   * Saves a model as `lsa-<fitId>.bin` and returns the path. Saving a fit again rewrites its file
   * with the same bytes, which also repairs one that was damaged.
   */
  async save(model: LsaEmbedder): Promise<string> {
    const file = this.pathOf(model.fitId);
    await writeFileDurably(file, model.serialize());
    return file;
  }

  /**
   * The model of a fit.
   * @throws NotFoundError when there is no file for it
   * @throws EmbeddedModelCorruptError when the file does not hash to its id
   */
  async load(fitId: string): Promise<LsaEmbedder> {
    const file = this.pathOf(fitId);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`no embedded model ${fitId} in ${this.dir}`, { cause: error });
      throw error;
    }
    const model = LsaEmbedder.deserialize(bytes, file);
    if (model.fitId !== fitId) throw new EmbeddedModelCorruptError(file, `holds fit ${model.fitId}, not ${fitId}`);
    return model;
  }

  /**
   * Makes a saved fit the active one.
   * @throws NotFoundError when it was not saved
   */
  async activate(fitId: string): Promise<void> {
    if (!(await this.list()).includes(fitId)) throw new NotFoundError(`no embedded model ${fitId} in ${this.dir}`);
    await writeFileDurably(path.join(this.dir, ACTIVE_FILE), Buffer.from(JSON.stringify({ kind: 'lsa', fitId }) + '\n'));
  }

  /** The active fit's id, or undefined before any was activated. */
  async activeFitId(): Promise<string | undefined> {
    const file = path.join(this.dir, ACTIVE_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let fitId: unknown;
    try {
      fitId = (JSON.parse(text) as { fitId?: unknown }).fitId;
    } catch (error) {
      throw new EmbeddedModelCorruptError(file, 'not JSON', error);
    }
    if (typeof fitId !== 'string' || !FIT_ID.test(fitId)) throw new EmbeddedModelCorruptError(file, 'names no fit id');
    return fitId;
  }

  /** The active model, or undefined before any was activated. */
  async loadActive(): Promise<LsaEmbedder | undefined> {
    const fitId = await this.activeFitId();
    return fitId === undefined ? undefined : this.load(fitId);
  }

  /** The fit ids saved, sorted. */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.flatMap((n) => MODEL_FILE.exec(n)?.[1] ?? []).sort();
  }

  /**
   * Deletes a fit's file, once nothing uses its vectors any more.
   * @throws BadInputError for the active fit
   */
  async remove(fitId: string): Promise<void> {
    const file = this.pathOf(fitId);
    if ((await this.activeFitId()) === fitId) throw new BadInputError(`embedded model ${fitId} is active; activate another before removing it`);
    await rm(file, { force: true });
  }

  private pathOf(fitId: string): string {
    // The id becomes part of a path: only the shape fit ids have gets that far.
    if (!FIT_ID.test(fitId)) throw new BadInputError(`not a fit id: ${JSON.stringify(fitId)}`);
    return path.join(this.dir, `lsa-${fitId}.bin`);
  }
}
