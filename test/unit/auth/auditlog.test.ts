import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupName, fileSink } from '../../../src/auth/audit/log';

/**
 * The audit log file rotates as kube-apiserver's (lumberjack): by size, into files named by the
 * UTC time of the rotation, keeping at most maxBackups of them and none older than maxAge days.
 * Real files in a temporary directory; the clock is the only thing the test drives.
 */
describe('auth/audit log file', function () {
  let dir: string;
  let file: string;
  let clock: Date;
  const now = () => clock;
  const event = (n: number) => ({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: `id-${n}`, pad: 'x'.repeat(60) });
  /** LINE is the size of one event line above: ids 0-9 keep it constant. */
  const LINE = Buffer.byteLength(`${JSON.stringify(event(0))}\n`);
  const files = () => fs.readdirSync(dir).sort();
  const ids = (name: string) =>
    fs
      .readFileSync(path.join(dir, name), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { auditID: string }).auditID);

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-auditlog-'));
    file = path.join(dir, 'audit.log');
    clock = new Date('2026-11-27T09:30:14.123Z');
  });

  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names backups as lumberjack does, in UTC with milliseconds', function () {
    assert.equal(backupName('/var/log/audit.log', new Date('2026-11-27T09:30:14.123Z')), '/var/log/audit-2026-11-27T09-30-14.123.log');
    assert.equal(backupName('/var/log/audit', new Date('2026-01-02T03:04:05.006Z')), '/var/log/audit-2026-01-02T03-04-05.006');
  });

  it('moves the file aside before a line that would pass the size, losing and repeating nothing', function () {
    const sink = fileSink(file, { maxSizeBytes: 3 * LINE, now });
    for (let i = 0; i < 7; i++) {
      sink.write(event(i));
      clock = new Date(clock.getTime() + 1000);
    }
    sink.close();
    assert.deepEqual(files(), ['audit-2026-11-27T09-30-17.123.log', 'audit-2026-11-27T09-30-20.123.log', 'audit.log']);
    assert.deepEqual(ids('audit-2026-11-27T09-30-17.123.log'), ['id-0', 'id-1', 'id-2']);
    assert.deepEqual(ids('audit-2026-11-27T09-30-20.123.log'), ['id-3', 'id-4', 'id-5']);
    assert.deepEqual(ids('audit.log'), ['id-6']);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  it('counts what the file held before the server started', function () {
    fs.writeFileSync(file, `${JSON.stringify(event(9))}\n`.repeat(2), { mode: 0o600 });
    const sink = fileSink(file, { maxSizeBytes: 3 * LINE, now });
    sink.write(event(0));
    sink.write(event(1));
    sink.close();
    assert.deepEqual(files(), ['audit-2026-11-27T09-30-14.123.log', 'audit.log']);
    assert.deepEqual(ids('audit-2026-11-27T09-30-14.123.log'), ['id-9', 'id-9', 'id-0']);
    assert.deepEqual(ids('audit.log'), ['id-1']);
  });

  it('keeps only the newest maxBackups backups, and leaves other files alone', function () {
    fs.writeFileSync(path.join(dir, 'audit-notes.log'), 'mine');
    const sink = fileSink(file, { maxSizeBytes: LINE, maxBackups: 2, now });
    for (let i = 0; i < 5; i++) {
      sink.write(event(i));
      clock = new Date(clock.getTime() + 60_000);
    }
    sink.close();
    assert.deepEqual(files(), ['audit-2026-11-27T09-33-14.123.log', 'audit-2026-11-27T09-34-14.123.log', 'audit-notes.log', 'audit.log']);
    assert.deepEqual(ids('audit-2026-11-27T09-34-14.123.log'), ['id-3']);
    assert.deepEqual(ids('audit.log'), ['id-4']);
  });

  it('removes backups older than maxAge days at the next rotation', function () {
    fs.writeFileSync(path.join(dir, 'audit-2026-11-20T00-00-00.000.log'), '{}\n');
    fs.writeFileSync(path.join(dir, 'audit-2026-11-26T12-00-00.000.log'), '{}\n');
    const sink = fileSink(file, { maxSizeBytes: LINE, maxAgeDays: 3, now });
    sink.write(event(0));
    sink.write(event(1));
    sink.close();
    assert.deepEqual(files(), ['audit-2026-11-26T12-00-00.000.log', 'audit-2026-11-27T09-30-14.123.log', 'audit.log']);
  });

  it('never rotates a file for a single line longer than the limit: the event is written whole', function () {
    const sink = fileSink(file, { maxSizeBytes: 10, now });
    sink.write(event(0));
    sink.close();
    assert.deepEqual(files(), ['audit.log']);
    assert.deepEqual(ids('audit.log'), ['id-0']);
  });
});
