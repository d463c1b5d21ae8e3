import type { FromAgent, ToAgent } from './client-agent.js';
import { Watcher } from './watcher.js';
import { Writers } from './writers.js';

// The client agent: started by ClientAgent.spawn inside the client host's
// namespace; it takes orders over IPC and exits when the harness goes away.
async function main(): Promise<void> {
  let writers: Writers | undefined;
  const watchers: Watcher[] = [];
  const send = (m: FromAgent) => process.send?.(m);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToAgent) => {
    void (async () => {
      if (m.type === 'start') {
        const { plan } = m;
        for (const boardId of plan.boards)
          for (let i = 0; i < plan.watchersPerBoard; i++)
            watchers.push(new Watcher(plan.proxies, boardId, i));
        await Promise.all(watchers.map((w) => w.start()));
        writers = new Writers({
          proxies: plan.proxies,
          boards: plan.boards,
          writers: plan.writers,
          ...(plan.pauseMs !== undefined ? { pauseMs: plan.pauseMs } : {}),
        });
        writers.start();
        send({ type: 'started' });
      } else if (m.type === 'stop-writes') {
        const report =
          (await writers?.stop()) ?? new Writers({ proxies: [], boards: [], writers: 0 }).report;
        send({ type: 'writes', report });
      } else {
        const deadline = Date.now() + m.timeoutMs;
        const behind = () => watchers.filter((w) => w.lastSeq < (m.heads[w.report.boardId] ?? 0));
        while (behind().length > 0 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 200));
        const caughtUp = behind().length === 0;
        for (const w of watchers) w.stop();
        send({ type: 'watchers', reports: watchers.map((w) => w.report), caughtUp });
      }
    })();
  });
}

void main();
