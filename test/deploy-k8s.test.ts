import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseProxyConfig } from '@switchboard/proxy';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { repoRoot } from '../test-support/processes.js';

/**
 * deploy/k8s: every overlay renders with `kubectl kustomize`, every object of
 * a built-in kind validates against the Kubernetes OpenAPI schemas
 * (kubernetes-models' validators), custom resources are listed as such, and
 * the objects agree with each other and with the product (selectors, ports,
 * probes, security, secrets, the proxy's DNS discovery). No cluster runs here.
 */

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
    };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
}

interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}

interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  volumes?: {
    name: string;
    emptyDir?: unknown;
    configMap?: { name: string };
    secret?: { secretName: string };
    persistentVolumeClaim?: { claimName: string };
  }[];
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: { labelSelector: { matchLabels: Record<string, string> } }[];
  automountServiceAccountToken?: boolean;
}

/** Does this branch's proxy accept `dns://` backends (the discovery work)? */
function proxyAcceptsDns(): boolean {
  try {
    parseProxyConfig({ backends: [{ url: 'dns://api:3000' }] });
    return true;
  } catch {
    return false;
  }
}

const overlays = ['dev', 'prod'] as const;
type Overlay = (typeof overlays)[number];

/** Custom resources: not in the Kubernetes OpenAPI schemas; no CRD schema can be fetched here. */
const customKinds = new Set([
  'postgresql.cnpg.io/v1/Cluster',
  'postgresql.cnpg.io/v1/ScheduledBackup',
]);

/** Secrets an overlay names but does not hold: made by hand or by the operator (docs/deploy.md). */
const externalSecrets: Record<Overlay, string[]> = {
  dev: [],
  prod: ['switchboard-secrets', 'switchboard-db-app', 'switchboard-backup-s3'],
};

function kubectlUsable(): string | undefined {
  const r = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'kubectl is not installed (bash .ci/ensure-kubectl)';
  const minor = parseInt(
    (JSON.parse(r.stdout) as { clientVersion: { minor: string } }).clientVersion.minor,
    10,
  );
  return minor >= 27 ? undefined : `kubectl 1.${minor} is older than 1.27 (kustomize v5)`;
}

const missing = kubectlUsable();
if (missing && process.env.CI === 'true') throw new Error(`CI=true but ${missing}`);

function render(overlay: Overlay): K8sObject[] {
  const out = execFileSync(
    'kubectl',
    ['kustomize', path.join(repoRoot, 'deploy/k8s/overlays', overlay)],
    {
      encoding: 'utf8',
    },
  );
  const objects = parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  // kustomize wraps long base64 values of generated Secrets over lines; the API
  // server's decoder (Go's base64) skips the newlines, the schema's "byte" format does not.
  for (const o of objects) {
    if (o.kind !== 'Secret' || !o.data) continue;
    for (const k of Object.keys(o.data)) o.data[k] = o.data[k]!.replace(/[\r\n]/g, '');
  }
  return objects;
}

const typeKey = (o: K8sObject) => `${o.apiVersion}/${o.kind}`;

/** The kubernetes-models class of a built-in kind, e.g. apps/v1 Deployment → kubernetes-models/apps/v1/Deployment. */
async function modelFor(
  o: K8sObject,
): Promise<(new (data: unknown) => { validate(): void }) | undefined> {
  try {
    const mod = (await import(
      /* @vite-ignore */ `kubernetes-models/${o.apiVersion}/${o.kind}`
    )) as Record<string, new (data: unknown) => { validate(): void }>;
    return mod[o.kind];
  } catch {
    return undefined;
  }
}

function podSpecOf(o: K8sObject): PodSpec | undefined {
  const spec = o.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (o.kind === 'CronJob') {
    return (spec.jobTemplate as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
  }
  if (['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind)) {
    return (spec.template as { spec: PodSpec }).spec;
  }
  return undefined;
}

function podLabelsOf(o: K8sObject): Record<string, string> {
  const spec = o.spec as Record<string, unknown>;
  if (o.kind === 'CronJob') {
    return (
      (
        spec.jobTemplate as {
          spec: { template: { metadata?: { labels?: Record<string, string> } } };
        }
      ).spec.template.metadata?.labels ?? {}
    );
  }
  return (
    (spec.template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {}
  );
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A generated name (name-<hash>) or the plain one. */
const sameName = (generated: string, base: string) =>
  generated === base || new RegExp(`^${base}-[a-z0-9]{10}$`).test(generated);

describe.skipIf(missing !== undefined)(
  `deploy/k8s${missing ? ` [skipped: ${missing}]` : ''}`,
  () => {
    const rendered = Object.fromEntries(overlays.map((o) => [o, render(o)])) as Record<
      Overlay,
      K8sObject[]
    >;

    describe.each(overlays)('overlay %s', (overlay) => {
      const objects = rendered[overlay];
      const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
      const one = (kind: string, name: string) => {
        const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
        if (!found) throw new Error(`${overlay}: no ${kind} ${name}`);
        return found;
      };
      const workloads = objects.filter((o) => podSpecOf(o) !== undefined);

      it('renders the expected objects, all in the switchboard namespace', () => {
        const kinds = new Set(objects.map((o) => o.kind));
        for (const kind of [
          'Namespace',
          'ConfigMap',
          'Service',
          'Deployment',
          'StatefulSet',
          'HorizontalPodAutoscaler',
          'PodDisruptionBudget',
          'Ingress',
          'CronJob',
          'PersistentVolumeClaim',
        ]) {
          expect(kinds.has(kind), kind).toBe(true);
        }
        for (const o of objects) {
          if (o.kind === 'Namespace') continue;
          expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('switchboard');
        }
      });

      it('every object of a built-in kind validates against the Kubernetes OpenAPI schema; the rest are known custom resources', async () => {
        const notValidated: string[] = [];
        let validated = 0;
        for (const o of objects) {
          const Model = await modelFor(o);
          if (!Model) {
            expect(
              customKinds.has(typeKey(o)),
              `${typeKey(o)} is neither built-in nor a known CRD`,
            ).toBe(true);
            notValidated.push(`${typeKey(o)} ${o.metadata.name}`);
            continue;
          }
          expect(() => new Model(o).validate(), `${typeKey(o)} ${o.metadata.name}`).not.toThrow();
          validated++;
        }
        expect(validated).toBeGreaterThan(15);
        // Documented in docs/deploy.md: the CloudNativePG objects are not schema-checked here.
        expect(notValidated).toEqual(
          overlay === 'prod'
            ? [
                'postgresql.cnpg.io/v1/Cluster switchboard-db',
                'postgresql.cnpg.io/v1/ScheduledBackup switchboard-db-nightly',
              ]
            : [],
        );
      });

      it('the validation is real: a broken object fails it', async () => {
        const api = structuredClone(one('Deployment', 'api'));
        const Model = (await modelFor(api))!;
        (podSpecOf(api)!.containers[0]!.ports![0] as { containerPort: unknown }).containerPort =
          'three thousand';
        expect(() => new Model(api).validate()).toThrow();
      });

      it('selectors match their pod labels; Services target ports the containers expose', () => {
        for (const w of workloads) {
          if (w.kind === 'CronJob') continue;
          const selector = (w.spec!.selector as { matchLabels: Record<string, string> })
            .matchLabels;
          expect(matches(selector, podLabelsOf(w)), `${w.kind}/${w.metadata.name}`).toBe(true);
          for (const t of podSpecOf(w)!.topologySpreadConstraints ?? []) {
            expect(
              matches(t.labelSelector.matchLabels, podLabelsOf(w)),
              `${w.metadata.name} spread`,
            ).toBe(true);
          }
        }
        for (const svc of byKind('Service')) {
          const spec = svc.spec as {
            selector: Record<string, string>;
            ports: { port: number; targetPort: string | number }[];
          };
          const targets = workloads.filter((w) => matches(spec.selector, podLabelsOf(w)));
          expect(targets.length, `Service ${svc.metadata.name} selects nothing`).toBeGreaterThan(0);
          for (const target of targets) {
            const ports = podSpecOf(target)!.containers.flatMap((c) => c.ports ?? []);
            for (const p of spec.ports) {
              const found = ports.some(
                (cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort,
              );
              expect(found, `Service ${svc.metadata.name} port ${p.port} → ${p.targetPort}`).toBe(
                true,
              );
            }
          }
        }
        for (const pdb of byKind('PodDisruptionBudget')) {
          const sel = (pdb.spec!.selector as { matchLabels: Record<string, string> }).matchLabels;
          expect(
            workloads.some((w) => matches(sel, podLabelsOf(w))),
            `PDB ${pdb.metadata.name}`,
          ).toBe(true);
        }
        for (const hpa of byKind('HorizontalPodAutoscaler')) {
          const ref = hpa.spec!.scaleTargetRef as { kind: string; name: string };
          expect(one(ref.kind, ref.name)).toBeDefined();
          // The HPA owns the count: a Deployment replicas field would fight it on every apply.
          expect(one(ref.kind, ref.name).spec!.replicas).toBeUndefined();
        }
        const ingress = one('Ingress', 'switchboard');
        const backend = (
          ingress.spec as {
            rules: {
              http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] };
            }[];
          }
        ).rules[0]!.http.paths[0]!.backend.service;
        const proxySvc = one('Service', backend.name);
        expect((proxySvc.spec as { ports: { name: string }[] }).ports.map((p) => p.name)).toContain(
          backend.port.name,
        );
        expect(proxySvc.spec!.type).toBe('LoadBalancer');
      });

      it('every ConfigMap, Secret and volume claim a pod names exists (or is made outside, listed)', () => {
        const names = (kind: string) => byKind(kind).map((o) => o.metadata.name);
        const exists = (kind: string, name: string) =>
          names(kind).some((n) => sameName(n, name) || n === name);
        for (const w of workloads) {
          const pod = podSpecOf(w)!;
          for (const c of pod.containers) {
            for (const e of c.env ?? []) {
              const s = e.valueFrom?.secretKeyRef;
              if (s && !externalSecrets[overlay].includes(s.name))
                expect(
                  exists('Secret', s.name),
                  `${w.metadata.name} env ${e.name} → Secret ${s.name}`,
                ).toBe(true);
            }
            for (const f of c.envFrom ?? []) {
              if (f.configMapRef)
                expect(exists('ConfigMap', f.configMapRef.name), f.configMapRef.name).toBe(true);
            }
          }
          for (const v of pod.volumes ?? []) {
            if (v.configMap)
              expect(exists('ConfigMap', v.configMap.name), v.configMap.name).toBe(true);
            if (v.persistentVolumeClaim)
              expect(exists('PersistentVolumeClaim', v.persistentVolumeClaim.claimName)).toBe(true);
          }
        }
        // A generated Secret holds every key the pods ask of it.
        for (const secret of byKind('Secret')) {
          const keys = Object.keys(secret.data ?? {});
          for (const w of workloads)
            for (const c of podSpecOf(w)!.containers)
              for (const e of c.env ?? [])
                if (
                  e.valueFrom?.secretKeyRef &&
                  sameName(secret.metadata.name, e.valueFrom.secretKeyRef.name)
                )
                  expect(keys, `${secret.metadata.name}.${e.valueFrom.secretKeyRef.key}`).toContain(
                    e.valueFrom.secretKeyRef.key,
                  );
        }
      });

      it('every pod runs non-root, without privilege escalation, on a read-only root with writable mounts, with requests and limits', () => {
        for (const w of workloads) {
          const pod = podSpecOf(w)!;
          const where = `${w.kind}/${w.metadata.name}`;
          expect(pod.securityContext?.runAsNonRoot, where).toBe(true);
          expect(pod.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault');
          expect(pod.automountServiceAccountToken, where).toBe(false);
          for (const c of pod.containers) {
            expect(c.securityContext?.allowPrivilegeEscalation, `${where} ${c.name}`).toBe(false);
            expect(c.securityContext?.readOnlyRootFilesystem, `${where} ${c.name}`).toBe(true);
            expect(c.securityContext?.capabilities?.drop, `${where} ${c.name}`).toEqual(['ALL']);
            expect(c.resources?.requests?.cpu, `${where} ${c.name}`).toBeTruthy();
            expect(c.resources?.requests?.memory, `${where} ${c.name}`).toBeTruthy();
            expect(c.resources?.limits?.memory, `${where} ${c.name}`).toBeTruthy();
            // Every mount has a volume.
            for (const m of c.volumeMounts ?? []) {
              const claimTemplates = (
                (w.spec!.volumeClaimTemplates as { metadata: { name: string } }[]) ?? []
              ).map((t) => t.metadata.name);
              const declared =
                (pod.volumes ?? []).some((v) => v.name === m.name) ||
                claimTemplates.includes(m.name);
              expect(declared, `${where} mount ${m.name}`).toBe(true);
            }
            if (c.image.includes('switchboard')) {
              const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
              expect(tmp, `${where}: /tmp must be writable`).toBeDefined();
              expect(
                pod.volumes?.find((v) => v.name === tmp!.name)?.emptyDir,
                `${where} /tmp emptyDir`,
              ).toBeDefined();
            }
          }
        }
      });

      it('the API: probes /health and /ready on its port, spread, graceful stop longer than SHUTDOWN_DELAY_MS', () => {
        const api = one('Deployment', 'api');
        const pod = podSpecOf(api)!;
        const c = pod.containers[0]!;
        expect(c.args).toEqual(['api']);
        expect(c.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
        expect(c.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });
        expect(c.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
        expect(pod.topologySpreadConstraints?.length).toBeGreaterThan(0);
        const config = byKind('ConfigMap').find((m) => sameName(m.metadata.name, 'api-config'))!;
        expect(config.data!.PORT).toBe('3000');
        const delayMs = Number(config.data!.SHUTDOWN_DELAY_MS);
        expect(delayMs).toBeGreaterThan(0);
        // Delay (not ready, endpoints drop the pod) + the API's own 10 s drain cap, before SIGKILL.
        expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(delayMs + 10_000);
        // The proxy keeps serving through its preStop while its endpoints go.
        const proxy = podSpecOf(one('Deployment', 'proxy'))!;
        const preStop = proxy.containers[0]!.lifecycle?.preStop?.sleep?.seconds ?? 0;
        expect(preStop).toBeGreaterThan(0);
        expect(proxy.terminationGracePeriodSeconds!).toBeGreaterThan(preStop + 10);
        expect(proxy.containers[0]!.livenessProbe?.httpGet?.path).toBe('/health');
        expect(proxy.containers[0]!.readinessProbe?.httpGet?.path).toBe('/ready');
        // Migrations: leader-locked at API start (advisory lock), so no migration Job.
        expect(byKind('Job')).toEqual([]);
      });

      it("the proxy's pool resolves the API's headless Service by its cluster FQDN and port", () => {
        const cm = byKind('ConfigMap').find((m) => sameName(m.metadata.name, 'proxy-config'))!;
        const proxyConfig = parseYaml(cm.data!['proxy.yaml']!) as {
          pools: Record<string, { backends: { url: string }[]; health: { path: string } }>;
          listen: string;
        };
        const headless = one('Service', 'api-headless');
        expect(headless.spec!.clusterIP).toBe('None');
        const port = (headless.spec!.ports as { port: number }[])[0]!.port;
        const fqdn = `${headless.metadata.name}.${headless.metadata.namespace}.svc.cluster.local`;
        expect(proxyConfig.pools.api!.backends).toEqual([{ url: `dns://${fqdn}:${port}` }]);
        expect(proxyConfig.pools.api!.health.path).toBe('/ready');
        // The proxy listens on the port its container exposes, and mounts the config where its args say.
        const proxy = podSpecOf(one('Deployment', 'proxy'))!.containers[0]!;
        expect(proxyConfig.listen).toBe(`0.0.0.0:${proxy.ports![0]!.containerPort}`);
        expect(proxy.args).toEqual(['proxy', '--config', '/etc/switchboard/proxy.yaml']);
        expect(proxy.volumeMounts!.find((m) => m.name === 'config')?.mountPath).toBe(
          '/etc/switchboard',
        );
        // The config is one the proxy accepts: as it is once the proxy has dns://
        // backends (the discovery work), and in any case with dns:// set aside.
        if (proxyAcceptsDns()) expect(() => parseProxyConfig(proxyConfig)).not.toThrow();
        const copy = structuredClone(proxyConfig) as unknown as {
          pools: Record<string, Record<string, unknown>>;
        };
        copy.pools.api!.backends = [{ url: `http://${fqdn}:${port}` }];
        delete copy.pools.api!.dns_refresh;
        expect(() => parseProxyConfig(copy)).not.toThrow();
      });

      it('the API reaches the bus and database Services that exist', () => {
        const config = byKind('ConfigMap').find((m) => sameName(m.metadata.name, 'api-config'))!;
        const nats = new URL(config.data!.NATS_URL!);
        const svc = one('Service', nats.hostname);
        expect((svc.spec!.ports as { port: number }[]).map((p) => p.port)).toContain(
          Number(nats.port),
        );
        const env = podSpecOf(one('Deployment', 'api'))!.containers[0]!.env!;
        const dbRef = env.find((e) => e.name === 'DATABASE_URL')!.valueFrom!.secretKeyRef!;
        if (overlay === 'dev') {
          const secret = byKind('Secret').find((s) =>
            sameName(s.metadata.name, 'switchboard-secrets'),
          )!;
          const url = new URL(Buffer.from(secret.data!.DATABASE_URL!, 'base64').toString());
          const pg = one('Service', url.hostname);
          expect((pg.spec!.ports as { port: number }[])[0]!.port).toBe(Number(url.port));
          expect(one('StatefulSet', 'postgres').spec!.replicas).toBe(1);
          expect(one('StatefulSet', 'nats').spec!.replicas).toBe(1);
          expect(podSpecOf(one('StatefulSet', 'nats'))!.containers[0]!.args).toContain('-js');
        } else {
          // CloudNativePG makes <cluster>-app with the app user's `uri`.
          const cluster = one('Cluster', 'switchboard-db');
          expect(dbRef).toEqual({ name: `${cluster.metadata.name}-app`, key: 'uri' });
          expect(cluster.spec!.instances).toBe(3);
          expect(one('ScheduledBackup', 'switchboard-db-nightly').spec!.cluster).toEqual({
            name: cluster.metadata.name,
          });
          expect(byKind('StatefulSet').map((s) => s.metadata.name)).toEqual(['nats']);
          const natsSet = one('StatefulSet', 'nats');
          expect(natsSet.spec!.replicas).toBe(3);
          const natsConf = one('ConfigMap', 'nats-config').data!['nats.conf']!;
          expect(natsConf).toMatch(/jetstream\s*\{/);
          const routes = [
            ...natsConf.matchAll(
              /nats:\/\/(nats-\d)\.([\w-]+)\.switchboard\.svc\.cluster\.local:6222/g,
            ),
          ];
          expect(routes.map((r) => r[1])).toEqual(['nats-0', 'nats-1', 'nats-2']);
          expect(new Set(routes.map((r) => r[2]))).toEqual(
            new Set([natsSet.spec!.serviceName as string]),
          );
          expect(one('Service', natsSet.spec!.serviceName as string).spec!.clusterIP).toBe('None');
          // At most replicas × pool size connections fit PostgreSQL's max_connections, with room to spare.
          const maxPods = one('HorizontalPodAutoscaler', 'api').spec!.maxReplicas as number;
          const poolSize = Number(
            byKind('ConfigMap').find((m) => sameName(m.metadata.name, 'api-config'))!.data!
              .DB_POOL_SIZE,
          );
          const maxConnections = Number(
            (cluster.spec as { postgresql: { parameters: Record<string, string> } }).postgresql
              .parameters.max_connections,
          );
          expect(maxPods * poolSize).toBeLessThanOrEqual(maxConnections * 0.75);
          // More replicas than dev.
          expect(one('HorizontalPodAutoscaler', 'api').spec!.minReplicas).toBeGreaterThanOrEqual(3);
          expect(one('Deployment', 'proxy').spec!.replicas).toBeGreaterThanOrEqual(3);
        }
      });

      it('the backup CronJob runs `switchboard backup` into the backups volume with the API database', () => {
        const cron = one('CronJob', 'backup');
        expect(cron.spec!.concurrencyPolicy).toBe('Forbid');
        const pod = podSpecOf(cron)!;
        const c = pod.containers[0]!;
        const script = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
        expect(script).toMatch(/f=\/backups\/switchboard-[^;]+\.sbk;/);
        expect(script).toContain('switchboard backup --out "$f"');
        expect(c.volumeMounts!.find((m) => m.mountPath === '/backups')).toBeDefined();
        const apiDb = podSpecOf(one('Deployment', 'api'))!.containers[0]!.env!.find(
          (e) => e.name === 'DATABASE_URL',
        );
        expect(c.env!.find((e) => e.name === 'DATABASE_URL')).toEqual(apiDb);
      });
    });

    it('prod has more replicas than dev', () => {
      const hpa = (o: Overlay) =>
        rendered[o].find((x) => x.kind === 'HorizontalPodAutoscaler')!.spec!.minReplicas as number;
      expect(hpa('prod')).toBeGreaterThan(hpa('dev'));
    });
  },
);
