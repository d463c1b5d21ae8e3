/** Types of scripts/bench/catalog.mjs, for the tests that import it. */
export interface Benchmark {
  name: string;
  what: string;
  dir: string;
  script: string;
  env?: (adminUrl: string) => Record<string, string>;
}
export declare const benchmarks: readonly Benchmark[];
