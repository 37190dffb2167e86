import { mkdir, open, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CacheStore } from '../core/live/cacheStore';

const KEY = /^[0-9a-f]{64}$/;
const ENTRY = /^[0-9a-f]{64}\.json$/;
const TEMP = /^[0-9a-f]{64}\.json\.[0-9a-z.]+\.tmp$/;
const SHARD = /^[0-9a-f]{2}$/;

/**
 * The live-mode cache as files: `<dir>/<first 2 hex>/<key>.json`. Each entry is written to a
 * temporary file, flushed to disk and renamed over the final name, so a crash or kill leaves
 * either the whole entry or none of it.
 */
export class FileCacheStore implements CacheStore {
  constructor(readonly dir: string) {}

  private path(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid cache key ${JSON.stringify(key)}`);
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async put(key: string, value: string): Promise<void> {
    const final = this.path(key);
    const shard = join(this.dir, key.slice(0, 2));
    await mkdir(shard, { recursive: true });
    const temp = `${final}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(value, 'utf8');
      await handle.sync();
    } catch (e) {
      await handle.close();
      await rm(temp, { force: true });
      throw e;
    }
    await handle.close();
    try {
      await rename(temp, final);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
    await syncDir(shard);
  }

  /**
   * Deletes the cache's own files (entries and leftover temporary files) and the shard folders
   * they leave empty; anything else in the folder is left alone. Returns the entries removed.
   */
  async clear(): Promise<number> {
    let removed = 0;
    let shards: string[];
    try {
      shards = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
    for (const shard of shards.filter((s) => SHARD.test(s))) {
      const folder = join(this.dir, shard);
      let names: string[];
      try {
        names = await readdir(folder);
      } catch {
        continue;
      }
      for (const name of names) {
        if (ENTRY.test(name)) {
          await rm(join(folder, name), { force: true });
          removed++;
        } else if (TEMP.test(name)) await rm(join(folder, name), { force: true });
      }
      await rmdir(folder).catch(() => undefined);
    }
    await rmdir(this.dir).catch(() => undefined);
    return removed;
  }
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; not every platform lets a directory be opened, so best effort.
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // ignored
  }
}

/** Writes a whole file through a flushed temporary file and a rename, so readers never see half of it. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}
