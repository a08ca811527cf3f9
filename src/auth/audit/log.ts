/**
 * The audit log backend (--audit-log-path): one audit.k8s.io/v1 Event per line, JSON, written
 * synchronously in the order the stages happen, as upstream's log backend in blocking mode.
 * "-" writes to standard output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** AuditSink receives finished audit events. */
export interface AuditSink {
  write(event: Record<string, unknown>): void;
  close(): void;
}

/** fileSink appends JSON lines to a file (mode 0600: events name users and may carry objects). */
export function fileSink(file: string): AuditSink {
  if (file === '-') {
    return { write: (e) => void process.stdout.write(`${JSON.stringify(e)}\n`), close: () => {} };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a', 0o600);
  let open = true;
  return {
    write(e) {
      if (open) fs.writeSync(fd, `${JSON.stringify(e)}\n`);
    },
    close() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
    },
  };
}
