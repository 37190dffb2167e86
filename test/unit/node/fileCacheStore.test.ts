// The live cache on disk, in a fresh temporary folder per test.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCacheStore, writeAtomically } from '../../../src/node/fileCacheStore';

const KEY_A = 'ab'.repeat(32);
// KEY_A and KEY_B share the shard `ab`; KEY_C is alone in `0f`.
const KEY_B = 'abcd'.repeat(16);
const KEY_C = '0f'.repeat(32);

describe('node/fileCacheStore', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pb-cache-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores entries under a two-hex-digit shard and reads them back; a missing key is undefined', async () => {
    const store = new FileCacheStore(join(dir, 'cache'));
    assert.equal(await store.get(KEY_A), undefined);
    await store.put(KEY_A, '{"a":1}');
    await store.put(KEY_B, 'ünïcode ✓');
    await store.put(KEY_A, '{"a":2}');
    assert.equal(await store.get(KEY_A), '{"a":2}');
    assert.equal(await store.get(KEY_B), 'ünïcode ✓');
    assert.deepEqual(await readdir(join(dir, 'cache')), ['ab']);
    assert.deepEqual((await readdir(join(dir, 'cache', 'ab'))).sort(), [`${KEY_A}.json`, `${KEY_B}.json`].sort());
    // Entries may hold prompts: only the owner reads them.
    if (process.platform !== 'win32') assert.equal((await stat(join(dir, 'cache', 'ab', `${KEY_A}.json`))).mode & 0o777, 0o600);
  });

  it('refuses a key that is not 64 hex digits (no path escapes)', async () => {
    const store = new FileCacheStore(dir);
    for (const key of ['', '../' + 'a'.repeat(61), 'AB'.repeat(32), 'ab'.repeat(31)]) {
      await assert.rejects(store.put(key, 'x'), { message: `invalid cache key ${JSON.stringify(key)}` });
      await assert.rejects(store.get(key), /invalid cache key/);
    }
  });

  it('clear removes its own entries and temporary files, counts the entries, and leaves other files alone', async () => {
    const store = new FileCacheStore(join(dir, 'cache'));
    await store.put(KEY_A, '1');
    await store.put(KEY_B, '2');
    await store.put(KEY_C, '3');
    // What a killed `put` leaves behind: a temporary file next to the entry.
    await writeFile(join(dir, 'cache', 'ab', `${KEY_A}.json.123.x9.tmp`), 'partial');
    // Files the cache did not write must survive a clear: the folder may be shared.
    await mkdir(join(dir, 'cache', 'notes'));
    await writeFile(join(dir, 'cache', 'notes', 'keep.txt'), 'mine');
    await writeFile(join(dir, 'cache', '0f', 'README'), 'mine too');
    await writeFile(join(dir, 'cache', 'README'), 'and mine');
    assert.equal(await store.clear(), 3);
    assert.deepEqual((await readdir(join(dir, 'cache'))).sort(), ['0f', 'README', 'notes']);
    assert.deepEqual(await readdir(join(dir, 'cache', '0f')), ['README']);
    assert.equal(await store.get(KEY_B), undefined);
    assert.equal(await new FileCacheStore(join(dir, 'never-made')).clear(), 0);
  });

  it('clear removes the cache folder itself once it is empty', async () => {
    const store = new FileCacheStore(join(dir, 'cache'));
    await store.put(KEY_A, '1');
    assert.equal(await store.clear(), 1);
    assert.deepEqual(await readdir(dir), []);
  });

  it('writeAtomically replaces a whole file and leaves no temporary file behind', async () => {
    const file = join(dir, 'out.json');
    await writeAtomically(file, 'first');
    await writeAtomically(file, 'second, longer text');
    assert.equal(await readFile(file, 'utf8'), 'second, longer text');
    assert.deepEqual(await readdir(dir), ['out.json']);
    // No folder is created on the way: a wrong output path is an error, not a new directory.
    await assert.rejects(writeAtomically(join(dir, 'missing', 'x.json'), 'y'), { code: 'ENOENT' });
  });
});
