/**
 * cpuprofile summarizes a V8 .cpuprofile (written by `node --cpu-prof`): self time per function
 * and per source file, as shares of the non-idle time, so a run can say where the server's CPU
 * went without opening DevTools.
 */
import * as fs from 'node:fs';
import { repoRoot } from './kapi';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** busyMs is the sampled time that was not idle. */
  busyMs: number;
  idleMs: number;
  functions: ProfileEntry[];
  files: ProfileEntry[];
  /** areas groups files: kapi's own code, each dependency, Node's core, GC, native. */
  areas: ProfileEntry[];
}

function shortUrl(url: string): string {
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(repoRoot)) u = u.slice(repoRoot.length + 1);
  return u;
}

function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node core (${url.replace(/^node:(internal\/)?/, '').split('/')[0]})`;
  const u = shortUrl(url);
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const m = /^dist\/(src\/[^/]+|generated|bench)/.exec(u);
  return m ? `kapi ${m[1]}` : u;
}

function top(map: Map<string, number>, busy: number, n: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
}

/** summarizeProfile reads a .cpuprofile and aggregates self time. */
export function summarizeProfile(file: string, n = 15): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  for (const node of p.nodes) byId.set(node.id, node);
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time since the previous sample; it is charged to the sample it ends.
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const where = f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : '';
    const fn = `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const file = f.url ? shortUrl(f.url) : f.functionName.startsWith('(') ? f.functionName : '(native)';
    files.set(file, (files.get(file) ?? 0) + us);
    const area = areaOf(f);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  return { busyMs: busy / 1000, idleMs: idle / 1000, functions: top(functions, busy, n), files: top(files, busy, n), areas: top(areas, busy, n) };
}

/** formatSummary renders a summary as indented text lines. */
export function formatSummary(s: ProfileSummary): string[] {
  const line = (e: ProfileEntry) => `${(e.share * 100).toFixed(1).padStart(5)}%  ${e.ms.toFixed(0).padStart(6)} ms  ${e.name}`;
  return [
    `busy ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms (self time, shares of busy)`,
    'by area:',
    ...s.areas.map(line),
    'by file:',
    ...s.files.map(line),
    'by function:',
    ...s.functions.map(line),
  ];
}
