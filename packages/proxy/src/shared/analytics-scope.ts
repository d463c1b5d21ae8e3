import type { AdminReply } from '../admin/api.js';
import { Analytics } from '../analytics/engine.js';
import type { Logger } from '../logging.js';
import type { SharedState } from './shared-state.js';

/**
 * Whether an admin request reads analytics, and over which proxies: `all`
 * (the default) or `local` (`?scope=local`, this proxy alone).
 */
export function analyticsScope(method: string, url: string): 'all' | 'local' | undefined {
  if (method !== 'GET') return undefined;
  const u = new URL(url, 'http://admin.invalid');
  const p = u.pathname.replace(/\/+$/, '');
  if (p !== '/admin/analytics' && p !== '/admin/analytics/report') return undefined;
  return u.searchParams.get('scope') === 'local' ? 'local' : 'all';
}

/**
 * This proxy's rollups merged with every other proxy's, and a way to say in
 * a JSON answer which proxies it covers — or that the others could not be
 * read (Redis down), so the figures are this proxy's alone.
 */
export async function mergedAnalytics(
  own: readonly unknown[],
  shared: SharedState,
  logger: Logger,
): Promise<{ analytics: Analytics; annotate(reply: AdminReply): AdminReply }> {
  const analytics = new Analytics();
  for (const d of own) analytics.merge(d);
  let proxies: { self: string; others: string[]; complete: boolean; reason?: string };
  try {
    const peers = await shared.analytics!.peers();
    for (const d of peers.dumps) analytics.merge(d);
    proxies = { self: shared.node, others: peers.nodes, complete: true };
  } catch (e) {
    logger.warn({ err: (e as Error).message }, 'other proxies’ analytics unreadable');
    proxies = {
      self: shared.node,
      others: [],
      complete: false,
      reason: `the other proxies' analytics could not be read (${(e as Error).message}); these figures are this proxy's alone`,
    };
  }
  return {
    analytics,
    annotate(reply) {
      if (reply.status !== 200) return reply;
      if (reply.type.startsWith('text/plain')) {
        const names = [proxies.self, ...proxies.others].join(', ');
        const note = proxies.complete
          ? `Proxies: ${names}`
          : `Proxies: ${names} only — ${proxies.reason ?? ''}`;
        return { ...reply, body: `${reply.body.trimEnd()}\n${note}\n` };
      }
      if (!reply.type.startsWith('application/json')) return reply;
      const body = JSON.parse(reply.body) as Record<string, unknown>;
      return { ...reply, body: JSON.stringify({ ...body, proxies }) };
    },
  };
}
