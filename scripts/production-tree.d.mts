/** Types of scripts/production-tree.mjs, for the tests that import it. */
export declare const manifestFiles: readonly string[];
export declare const builtFiles: readonly string[];
export declare const installArgs: readonly string[];
export declare function productionTree(options?: {
  dir?: string;
  log?: (line: string) => void;
}): Promise<string>;
