// `--queue` takes the local queue's length (as before) or a job queue's URL; queue mode
// needs @modelkit/queue, found at run time (this package cannot depend on it).
import { ErrorCodes } from '@modelkit/core';
import { cliQueueUrl, cliServeOptions } from '../src/cli';
import { loadJobBackend } from '../src/job-backend-loader';

it('reads --queue as a number of waiting requests or as a redis URL', () => {
  expect(cliServeOptions({ queue: '8' })).toMatchObject({ queue: 8 });
  expect(cliServeOptions({ queue: 16 })).toMatchObject({ queue: 16 });
  expect(cliQueueUrl({ queue: 16 })).toBeUndefined();
  expect(cliQueueUrl({ queue: 'redis://10.0.0.5:6379/2' })).toBe('redis://10.0.0.5:6379/2');
  expect(cliQueueUrl({ queue: 'rediss://:pw@host:6380' })).toBe('rediss://:pw@host:6380');
  expect(cliServeOptions({ queue: 'redis://h:1', maxQueueDepth: 5 })).toMatchObject({ queue: undefined, maxQueueDepth: 5 });
  expect(() => cliServeOptions({ queue: 'http://h' })).toThrow(expect.objectContaining({ code: ErrorCodes.USAGE }));
  expect(() => cliServeOptions({ queue: '-1' })).toThrow("--queue takes a number of waiting requests or a redis:// URL, got '-1'");
});

it('says to install @modelkit/queue when no package provides the job backend', async () => {
  await expect(loadJobBackend({ url: 'redis://127.0.0.1:1', kits: ['ocr'] }, () => [])).rejects.toMatchObject({
    code: ErrorCodes.UNAVAILABLE,
    message: 'serve --queue needs @modelkit/queue installed next to @modelkit/serve: npm i @modelkit/queue',
  });
});
