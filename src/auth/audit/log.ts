/**
 * The audit log backend (--audit-log-path): one audit.k8s.io/v1 Event per line, JSON, written
 * synchronously in the order the stages happen, as upstream's log backend in blocking mode.
 * "-" writes to standard output.
 *
 * A file rotates as kube-apiserver's (lumberjack) does: a line that would take it past maxSize
 * first moves it aside as `<name>-<UTC time>.<ext>` and starts a new one; backups beyond
 * maxBackups, or older than maxAge days, are removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** AuditSink receives finished audit events. */
export interface AuditSink {
  write(event: Record<string, unknown>): void;
  close(): void;
}

/** Rotation is --audit-log-maxsize (here in bytes), --audit-log-maxbackup and --audit-log-maxage. */
export interface Rotation {
  /** maxSizeBytes is the size a file may reach; 0 means lumberjack's default, 100 MB. */
  maxSizeBytes?: number;
  /** maxBackups is how many rotated files are kept; 0 keeps them all. */
  maxBackups?: number;
  /** maxAgeDays removes rotated files older than this; 0 keeps them whatever their age. */
  maxAgeDays?: number;
  /** now is the clock (tests). */
  now?: () => Date;
}

/** DEFAULT_MAX_SIZE_BYTES is lumberjack's size when none is given. */
export const DEFAULT_MAX_SIZE_BYTES = 100 * 1024 * 1024;

/** fileSink appends JSON lines to a file (mode 0600: events name users and may carry objects). */
export function fileSink(file: string, rotation: Rotation = {}): AuditSink {
  if (file === '-') {
    return { write: (e) => void process.stdout.write(`${JSON.stringify(e)}\n`), close: () => {} };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const maxSize = rotation.maxSizeBytes || DEFAULT_MAX_SIZE_BYTES;
  const now = rotation.now ?? (() => new Date());
  let fd = fs.openSync(file, 'a', 0o600);
  let size = fs.fstatSync(fd).size;
  let open = true;

  const rotate = () => {
    fs.closeSync(fd);
    fs.renameSync(file, backupName(file, now()));
    fd = fs.openSync(file, 'a', 0o600);
    size = 0;
    removeOldBackups(file, rotation, now());
  };

  return {
    write(e) {
      if (!open) return;
      const line = Buffer.from(`${JSON.stringify(e)}\n`);
      // A line longer than the limit still goes out, alone in its file, as lumberjack's would not:
      // an audit event is never dropped.
      if (size > 0 && size + line.length > maxSize) rotate();
      fs.writeSync(fd, line);
      size += line.length;
    },
    close() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
    },
  };
}

/** backupName is lumberjack's: audit.log at 2026-11-27 09:30:14.123 UTC → audit-2026-11-27T09-30-14.123.log. */
export function backupName(file: string, at: Date): string {
  const { prefix, ext } = parts(file);
  return `${prefix}${stamp(at)}${ext}`;
}

function parts(file: string): { prefix: string; ext: string } {
  const ext = path.extname(file);
  return { prefix: `${file.slice(0, file.length - ext.length)}-`, ext };
}

function stamp(at: Date): string {
  return at.toISOString().slice(0, 23).replace(/:/g, '-');
}

/** timeOf reads a backup's time back from its name; undefined for files that are not backups. */
function timeOf(name: string, base: string, ext: string): number | undefined {
  if (!name.startsWith(base) || !name.endsWith(ext)) return undefined;
  const s = name.slice(base.length, name.length - ext.length);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}$/.test(s)) return undefined;
  const t = Date.parse(`${s.slice(0, 10)}T${s.slice(11, 19).replace(/-/g, ':')}${s.slice(19)}Z`);
  return Number.isNaN(t) ? undefined : t;
}

function removeOldBackups(file: string, rotation: Rotation, now: Date): void {
  const maxBackups = rotation.maxBackups ?? 0;
  const maxAgeDays = rotation.maxAgeDays ?? 0;
  if (maxBackups <= 0 && maxAgeDays <= 0) return;
  const dir = path.dirname(file);
  const { prefix, ext } = parts(path.basename(file));
  const backups = fs
    .readdirSync(dir)
    .map((name) => ({ name, t: timeOf(name, prefix, ext) }))
    .filter((b): b is { name: string; t: number } => b.t !== undefined)
    .sort((a, b) => b.t - a.t);
  const cutoff = now.getTime() - maxAgeDays * 24 * 3600 * 1000;
  backups.forEach((b, i) => {
    if ((maxBackups > 0 && i >= maxBackups) || (maxAgeDays > 0 && b.t < cutoff)) fs.rmSync(path.join(dir, b.name), { force: true });
  });
}
