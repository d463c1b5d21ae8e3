import { describe } from 'vitest';

/** The proxy's engines (`server.engine`). */
export const ENGINES = ['raw', 'node'] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * Runs `suite` once per engine, in one file: the convention for every suite
 * that sends requests through a proxy's main listener. `startTestProxy` wants
 * an engine, so a suite either runs here over every engine or names one on
 * purpose (and says why); a new suite cannot end up on one engine unnoticed.
 */
export function forEachEngine(name: string, suite: (engine: Engine) => void): void {
  describe.each(ENGINES)(`${name} [%s engine]`, suite);
}
