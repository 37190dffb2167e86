import assert from 'node:assert/strict';
import { batchRecordKey, batchStatusLine, toBatchJob } from '../../../../src/core/live/batchApi';

describe('core/live/batchApi', () => {
  it('reads a batch object: files, counts and validation errors with their lines', () => {
    const job = toBatchJob({
      id: 'batch_abc',
      object: 'batch',
      status: 'failed',
      input_file_id: 'file-1',
      output_file_id: null,
      error_file_id: '',
      request_counts: { total: 4, completed: 0, failed: 0 },
      errors: { object: 'list', data: [{ code: 'invalid_json_line', message: 'not JSON', line: 3 }, { code: 'missing_body' }] },
    });
    assert.deepEqual(job, { id: 'batch_abc', status: 'failed', inputFileId: 'file-1', counts: { total: 4, completed: 0, failed: 0 }, errors: ['line 3: not JSON', 'missing_body'] });
    assert.equal(batchStatusLine(job), 'batch_abc: failed, 0/4 done (line 3: not JSON; missing_body)');
    assert.equal(batchStatusLine(toBatchJob({ id: 'b', status: 'in_progress', request_counts: { total: 9, completed: 5, failed: 1 } })), 'b: in_progress, 5/9 done, 1 failed');
    assert.throws(() => toBatchJob({ object: 'batch' }), /without id or status/);
  });

  it('keys a batch by server, endpoint and the exact request file', async () => {
    const a = await batchRecordKey('http://127.0.0.1:1/v1/', '/v1/chat/completions', '{"custom_id":"case-0"}\n');
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(a, await batchRecordKey('http://127.0.0.1:1/v1', '/v1/chat/completions', '{"custom_id":"case-0"}\n'));
    assert.notEqual(a, await batchRecordKey('http://127.0.0.1:2/v1', '/v1/chat/completions', '{"custom_id":"case-0"}\n'));
    assert.notEqual(a, await batchRecordKey('http://127.0.0.1:1/v1', '/v1/completions', '{"custom_id":"case-0"}\n'));
    assert.notEqual(a, await batchRecordKey('http://127.0.0.1:1/v1', '/v1/chat/completions', '{"custom_id":"case-1"}\n'));
  });
});
