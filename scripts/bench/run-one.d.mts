/** Types of scripts/bench/run-one.mjs, for the tests that import it. */
import type { Benchmark } from './catalog.mjs';
import type { BenchResult } from './result.mjs';

export interface Outcome {
  status: 'ok' | 'partial' | 'skipped' | 'failed';
  seconds: number;
  exitCode: number | null;
  command: string;
  dir: string;
  reason?: string;
  result?: BenchResult;
}
export declare function scriptCommand(root: string, bench: Benchmark): string;
export declare function runOne(
  root: string,
  bench: Benchmark,
  options: { quick: boolean; jsonFile: string; timeoutMs: number; env?: Record<string, string> },
): Promise<Outcome>;
export declare function stopCurrent(signal?: NodeJS.Signals): Promise<unknown>;
