/**
 * The SQLite layout, in the shape of k3s's kine: one append-only log whose row id is the
 * revision. A unique index on (name, prev_revision) makes the database itself refuse a lost
 * update: two writers that both read revision N can not both append a successor of N.
 */
export const SCHEMA_STATEMENTS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     created INTEGER NOT NULL,
     deleted INTEGER NOT NULL,
     create_revision INTEGER NOT NULL,
     prev_revision INTEGER NOT NULL,
     value TEXT NOT NULL
   )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS log_name_prev_revision ON log (name, prev_revision)`,
  `CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id)`,
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
];

/** LogRow is one row of the log. */
export interface LogRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}
