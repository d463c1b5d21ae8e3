/** Types of scripts/bench/result.mjs: the result each benchmark writes with --json. */
export interface HeadlineRow {
  figure: string;
  unit: string;
  better: 'higher' | 'lower';
  value: number | null;
  reference: string | null;
  referenceValue: number | null;
  ratio: number | null;
}
export interface BenchResult {
  benchmark: string;
  quick: boolean;
  skipped?: string;
  headline: HeadlineRow[];
  missing: { reference: string; reason: string }[];
  details?: unknown;
}
export declare function resultProblems(result: unknown, name: string, quick: boolean): string[];
