/**
 * SqliteCeiling is the durable-write ceiling: raw better-sqlite3 inserts of 2 KiB rows into a
 * temp file with the pragmas kapi uses (WAL, synchronous=FULL, exclusive locking), either one row
 * per transaction (one fsync per write: what a server without group commit could reach) or many
 * rows per transaction (what group commit could reach at best).
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface SqliteRun {
  rowsPerTxn: number;
  transactions: number;
  elapsedMs: number;
  txnPerSecond: number;
  rowsPerSecond: number;
}

export class SqliteCeiling {
  private readonly dir: string;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string]>;
  private seq = 0;

  /** constructor opens a fresh database in a temp dir, on the same file system as kapi's data dirs. */
  constructor(private readonly value: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-bench-sqlite-'));
    this.db = new Database(path.join(this.dir, 'ceiling.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE kv (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, value TEXT NOT NULL)');
    this.db.exec('CREATE INDEX kv_name ON kv (name)');
    this.insert = this.db.prepare('INSERT INTO kv (name, value) VALUES (?, ?)');
  }

  /** run inserts for durationMs, rowsPerTxn rows per committed transaction. */
  run(rowsPerTxn: number, durationMs: number): SqliteRun {
    const txn = this.db.transaction((n: number) => {
      for (let i = 0; i < n; i++) {
        const name = `/registry/pods/bench/pod-${this.seq++}`;
        this.insert.run(name, this.value);
      }
    });
    const t0 = performance.now();
    const deadline = t0 + durationMs;
    let transactions = 0;
    do {
      txn(rowsPerTxn);
      transactions++;
    } while (performance.now() < deadline);
    const elapsedMs = performance.now() - t0;
    return {
      rowsPerTxn,
      transactions,
      elapsedMs,
      txnPerSecond: (transactions * 1000) / elapsedMs,
      rowsPerSecond: (transactions * rowsPerTxn * 1000) / elapsedMs,
    };
  }

  close(): void {
    this.db.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
