/**
 * report prints each figure as it is measured, next to its same-run ceiling, and at the end the
 * Markdown summary table for the README.
 */
import { fmtRatio } from './stats';

/** Figure is one headline number with its ceiling and target. */
export interface Figure {
  /** name says what was measured, briefly. */
  name: string;
  /** kapi is the measured value, formatted with its unit. */
  kapi: string;
  /** ceiling is what the same thing costs without kapi, measured in the same run. */
  ceiling: string;
  /** ratio is kapi relative to the ceiling; ratioMeaning says which way is better. */
  ratio: number;
  ratioMeaning: string;
  /** target is the goal from the issue, in words. */
  target: string;
  /** met says whether the target was reached (undefined: no target). */
  met?: boolean;
  /** detail lines go under the figure in the step output, not into the table. */
  detail?: string[];
}

function verdict(f: Figure): string {
  return f.met === undefined ? '-' : f.met ? 'met' : 'MISS';
}

/** printStep prints a step's heading. */
export function printStep(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

/** printLine prints one line of step output. */
export function printLine(text: string): void {
  process.stdout.write(`   ${text}\n`);
}

/** printFigure prints one figure with its ceiling, ratio and target. */
export function printFigure(f: Figure): void {
  process.stdout.write(
    [
      `-> ${f.name}`,
      `     kapi:    ${f.kapi}`,
      `     ceiling: ${f.ceiling}`,
      `     ratio:   ${fmtRatio(f.ratio)} (${f.ratioMeaning})`,
      `     target:  ${f.target}: ${verdict(f)}`,
      ...(f.detail ?? []).map((d) => `     ${d}`),
      '',
    ].join('\n'),
  );
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** markdownTable renders the figures as a table that can be pasted into the README. */
export function markdownTable(figures: readonly Figure[]): string {
  const rows = [
    '| figure | kapi | ceiling (same run) | ratio | target | |',
    '| --- | --- | --- | --- | --- | --- |',
    ...figures.map((f) => `| ${cell(f.name)} | ${cell(f.kapi)} | ${cell(f.ceiling)} | ${fmtRatio(f.ratio)} | ${cell(f.target)} | ${verdict(f)} |`),
  ];
  return rows.join('\n');
}
