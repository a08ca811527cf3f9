/**
 * procstat reads another process's CPU time from /proc, so the bench can report how busy the
 * server was without instrumenting it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/** CLOCK_TICKS_FALLBACK is Linux's USER_HZ on every common configuration. */
const CLOCK_TICKS_FALLBACK = 100;

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || CLOCK_TICKS_FALLBACK;
    } catch {
      clockTicks = CLOCK_TICKS_FALLBACK;
    }
  }
  return clockTicks;
}

/**
 * cpuTimeMs is user + system CPU time the process has used so far, in ms (10 ms resolution);
 * NaN when /proc is unavailable.
 */
export function cpuTimeMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / ticksPerSecond();
  } catch {
    return NaN;
  }
}

/**
 * machineBusyMs is the CPU time all processes have used so far, summed over cores (from the
 * first line of /proc/stat); NaN when /proc is unavailable. Subtracting the server's and the
 * load generator's share shows how much else ran during a measurement.
 */
export function machineBusyMs(): number {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    // cpu user nice system idle iowait irq softirq steal guest guest_nice
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / ticksPerSecond();
  } catch {
    return NaN;
  }
}
