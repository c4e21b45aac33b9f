// The Docker and Kubernetes files are only text until someone deploys them, and there is no
// container engine here: this suite checks that they parse, that every path they name exists in
// the built tree, that their ports and probe paths are the app's, that the configuration they
// pass loads, and that the image's health check program really tells a live server from a dead one.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import { listBuildContext } from '../../scripts/docker-context.mjs';
import { apiPath } from '@gatehouse/shared';
import { loadConfig } from '@gatehouse/api/dist/config/index.js';
import { isHostMatch } from '@gatehouse/api/dist/forward-auth/service.js';
import { REPO_ROOT, startGatehouse } from '../support/gatehouse-server.js';

const run = promisify(execFile);
const SECRET = 'b'.repeat(64);
const readRepoFile = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
/** The port config.example.toml (with the defaults) gives the server. */
const DEFAULT_PORT = loadConfig({
  argv: ['--config', path.join(REPO_ROOT, 'config.example.toml')],
  env: { GATEHOUSE_AUTH__TOKEN_SECRET: SECRET },
  cwd: REPO_ROOT,
}).config.server.port;

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface DockerInstruction {
  keyword: string;
  args: string;
}

/** Dockerfile -> stages of instructions (line continuations joined, comments dropped). */
function parseDockerfile(text: string): DockerInstruction[][] {
  const stages: DockerInstruction[][] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [keyword = '', ...rest] = trimmed.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/** An image path (/app/... or /src/...) as a path in this repository's built tree. */
const toRepoPath = (imagePath: string) => path.join(REPO_ROOT, imagePath.replace(/^\/(app|src)\/?/, ''));

describe('Dockerfile', () => {
  const stages = parseDockerfile(readRepoFile('Dockerfile'));
  const final = stages.at(-1)!;
  const args = (keyword: string) => final.filter((instruction) => instruction.keyword === keyword).map((i) => i.args);

  it('builds in one stage and ships another, without build tools, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]![0]!.args).toMatch(/ AS build$/);
    for (const command of args('RUN')) expect(command).not.toMatch(/apt-get|apk |pnpm|npm (ci|install)|yarn|gcc|make|python/);
    const users = args('USER');
    expect(users).toEqual(['node']);
    // Everything it copies comes out of the build stage.
    for (const copy of args('COPY')) expect(copy).toMatch(/^--from=build /);
  });

  it('copies only paths that exist in the built tree', () => {
    const sources = args('COPY').flatMap((copy) =>
      copy
        .replace(/^--from=build\s+/, '')
        .split(/\s+/)
        .slice(0, -1),
    );
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) expect({ source, exists: existsSync(toRepoPath(source)) }).toEqual({ source, exists: true });
  });

  it('starts the built server and checks health with programs that exist', () => {
    const [entrypoint] = args('ENTRYPOINT');
    expect(JSON.parse(entrypoint!)).toEqual(['node', '/app/apps/api/dist/main.js']);
    expect(existsSync(toRepoPath('/app/apps/api/dist/main.js'))).toBe(true);
    const [healthcheck] = args('HEALTHCHECK');
    const command = JSON.parse(healthcheck!.slice(healthcheck!.indexOf('CMD') + 3).trim()) as string[];
    expect(command[0]).toBe('node');
    expect(existsSync(toRepoPath(command[1]!))).toBe(true);
    expect(args('EXPOSE')).toEqual([String(DEFAULT_PORT)]);
    expect(args('ENV').join(' ')).toContain('CONFIG_DIR=/config');
  });

  it('runs on Node.js 24 or newer (Node.js 20 is out of security support)', () => {
    const nodeImage = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(readRepoFile('Dockerfile'));
    expect(Number(nodeImage?.[1])).toBeGreaterThanOrEqual(24);
    expect(stages.every((stage) => stage[0]!.args.startsWith('${NODE_IMAGE}'))).toBe(true);
  });

  it('installs dependencies from the lockfile before it copies the sources, so a source change reuses that layer', () => {
    const build = stages[0]!.map((instruction) => `${instruction.keyword} ${instruction.args}`);
    const lockfileCopy = build.findIndex((line) => /^COPY .*pnpm-lock\.yaml/.test(line) && !line.includes('COPY . .'));
    const fetch = build.findIndex((line) => /^RUN pnpm fetch\b/.test(line));
    const sources = build.indexOf('COPY . .');
    expect(lockfileCopy).toBeGreaterThan(-1);
    expect(fetch).toBeGreaterThan(lockfileCopy);
    expect(sources).toBeGreaterThan(fetch);
    expect(build[sources + 1]).toMatch(/^RUN pnpm install --frozen-lockfile --offline/);
  });

  describe('its health check program', () => {
    let directory: string;
    beforeAll(async () => {
      directory = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-healthcheck-'));
    });
    afterAll(() => rm(directory, { recursive: true, force: true }));

    it('exits 0 while the server is up and 1 once it is gone', async () => {
      const server = await startGatehouse({
        configToml: `[auth]\ntoken_secret = "${SECRET}"\nadmin_emails = []\n`,
        startTimeoutMs: 90_000,
      });
      const healthcheck = path.join(REPO_ROOT, 'apps/api/dist/healthcheck.js');
      const check = () =>
        run(process.execPath, [healthcheck, '--config', server.configPath], { cwd: directory, timeout: 15_000 }).then(
          () => 0,
          (error: { code?: number }) => error.code ?? -1,
        );
      try {
        expect(await check()).toBe(0);
      } finally {
        await server.stop();
      }
      expect(await check()).toBe(1);
    }, 120_000);
  });
});

describe(".dockerignore (what `COPY . .` would see; scripts/docker-context.mjs applies Docker's rules)", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-context-'));
    await copyFile(path.join(REPO_ROOT, '.dockerignore'), path.join(directory, '.dockerignore'));
    const files = [
      'Dockerfile',
      'package.json',
      'pnpm-lock.yaml',
      'apps/api/src/main.ts',
      'apps/api/src/config/schema.ts',
      'packages/shared/src/index.ts',
      'prisma/migrations/1_init/migration.sql',
      // What a self-hoster has lying around in the checkout they build from:
      'config.toml',
      'config/config.toml',
      'apps/api/config.toml',
      'secrets/token_secret',
      'secrets/db_password',
      'deploy/secrets/x',
      '.env',
      '.env.production',
      'apps/api/.env.local',
      'data/pglite/PG_VERSION',
      'apps/api/data/pglite/base',
      'config/tls/key.pem',
      'node_modules/x/index.js',
      'apps/web/node_modules/y/index.js',
      'apps/web/dist/index.html',
    ];
    for (const file of files) {
      await mkdir(path.dirname(path.join(directory, file)), { recursive: true });
      await writeFile(path.join(directory, file), 'x');
    }
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('keeps the sources and leaves out configuration, secrets, environment files and data at any depth', () => {
    expect(listBuildContext(directory)).toEqual(
      [
        '.dockerignore',
        'Dockerfile',
        'apps/api/src/config/schema.ts',
        'apps/api/src/main.ts',
        'package.json',
        'packages/shared/src/index.ts',
        'pnpm-lock.yaml',
        'prisma/migrations/1_init/migration.sql',
      ].sort(),
    );
  });

  it('on this checkout: everything the Dockerfile copies by name is in the context, and no secret is', () => {
    const context = listBuildContext(REPO_ROOT);
    for (const file of ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', 'prisma/schema.prisma', 'apps/api/src/main.ts']) {
      expect(context).toContain(file);
    }
    expect(context.filter((file) => /(^|\/)(config\.toml|\.env(\..*)?|secrets\/.*|data\/.*|node_modules\/.*)$/.test(file))).toEqual([]);
  });
});

/** The lowest Traefik that talks to both Docker 27/28 (API <= 1.47) and 29 (API >= 1.44). */
const MIN_TRAEFIK = [3, 6, 2];
const isAtLeast = (version: number[], minimum: number[]) => {
  for (let i = 0; i < minimum.length; i++) {
    if ((version[i] ?? 0) !== minimum[i]) return (version[i] ?? 0) > minimum[i]!;
  }
  return true;
};

describe('docker-compose.yml', () => {
  const compose = parse(readRepoFile('docker-compose.yml')) as Yaml;
  const labelsOf = (service: string) =>
    Object.fromEntries((compose['services'][service]['labels'] as string[]).map((label) => label.split(/=(.*)/s).slice(0, 2)));
  const gatehouse = compose['services']['gatehouse'] as Yaml;

  it('runs Traefik, PostgreSQL, two Gatehouse replicas and a protected sample app', () => {
    expect(Object.keys(compose['services']).sort()).toEqual(['gatehouse', 'postgres', 'traefik', 'whoami']);
    expect(gatehouse['deploy']['replicas']).toBe(2);
    expect(gatehouse['build']).toBe('.');
    expect(gatehouse['image']).not.toMatch(/:latest$|^[^:]+$/);
  });

  it('pins a Traefik that can talk to current Docker (v3.6.2 or later: v3.5 asks for API 1.24, v3.6.1 for 1.51)', () => {
    const image = compose['services']['traefik']['image'] as string;
    const match = /^traefik:v(\d+)\.(\d+)\.(\d+)$/.exec(image);
    expect({ image, pinned: match !== null }).toEqual({ image, pinned: true });
    expect(isAtLeast(match!.slice(1).map(Number), MIN_TRAEFIK)).toBe(true);
    // The check itself must be able to fail.
    expect(isAtLeast([3, 6, 1], MIN_TRAEFIK)).toBe(false);
    expect(isAtLeast([3, 3, 0], MIN_TRAEFIK)).toBe(false);
    expect(isAtLeast([3, 10, 0], MIN_TRAEFIK)).toBe(true);
  });

  it("routes HTTPS to the app's port and probes its readiness path", () => {
    const labels = labelsOf('gatehouse');
    expect(labels['traefik.http.routers.gatehouse.tls']).toBe('true');
    expect(labels['traefik.http.routers.gatehouse.entrypoints']).toBe('websecure');
    expect(labels['traefik.http.services.gatehouse.loadbalancer.server.port']).toBe(String(DEFAULT_PORT));
    expect(labels['traefik.http.services.gatehouse.loadbalancer.healthcheck.path']).toBe(apiPath('healthReady'));
  });

  it('has a health check that probes quickly while starting, and a stop grace period longer than the drain', () => {
    const healthcheck = gatehouse['healthcheck'] as Yaml;
    expect(healthcheck['test']).toEqual(['CMD', 'node', '/app/apps/api/dist/healthcheck.js']);
    const seconds = (value: string) => Number(/^(\d+)s$/.exec(value)?.[1]);
    expect(seconds(healthcheck['start_interval'])).toBeLessThanOrEqual(5);
    expect(seconds(healthcheck['start_period'])).toBeGreaterThanOrEqual(30);
    // Drain: 10 s for requests in flight, then up to 5 s for an email being sent, then the database.
    expect(seconds(gatehouse['stop_grace_period'])).toBeGreaterThan(15);
  });

  it('protects the sample app with a ForwardAuth middleware that passes only the headers Gatehouse needs', () => {
    const labels = labelsOf('gatehouse');
    const address = new URL(labels['traefik.http.middlewares.gatehouse-auth.forwardauth.address']);
    expect(address.hostname).toBe('gatehouse');
    expect(address.port).toBe(String(DEFAULT_PORT));
    expect(address.pathname).toBe(apiPath('forwardAuth'));
    expect(labels['traefik.http.middlewares.gatehouse-auth.forwardauth.authRequestHeaders']?.split(',').sort()).toEqual([
      'Accept',
      'Authorization',
      'Cookie',
    ]);
    expect(labels['traefik.http.middlewares.gatehouse-auth.forwardauth.authResponseHeaders']).toBe(
      'Remote-User,Remote-Email,Remote-Email-Verified,Remote-Name,Remote-Groups',
    );
    expect(labelsOf('whoami')['traefik.http.routers.whoami.middlewares']).toBe('gatehouse-auth');
  });

  it('passes an environment the app accepts, whose addresses agree with the routers and trust only Traefik', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-compose-'));
    try {
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(gatehouse['environment'] as Record<string, string>)) {
        if (name.endsWith('_FILE')) {
          const file = path.join(directory, path.basename(value));
          await writeFile(file, name.includes('TOKEN_SECRET') ? SECRET : 'db-password');
          env[name] = file;
        } else env[name] = value;
      }
      const configPath = path.join(directory, 'config.toml');
      await writeFile(configPath, '[auth]\nadmin_emails = ["admin@example.com"]\n');
      const { config } = loadConfig({ argv: ['--config', configPath], env, cwd: directory });
      const routerHost = /Host\(`([^`]+)`\)/.exec(labelsOf('gatehouse')['traefik.http.routers.gatehouse.rule'])![1]!;
      expect(new URL(config.misc.frontend_url).host).toBe(routerHost);
      expect(config.server.port).toBe(DEFAULT_PORT);
      expect(config.database.host).toBe('postgres');
      const whoamiHost = /Host\(`([^`]+)`\)/.exec(labelsOf('whoami')['traefik.http.routers.whoami.rule'])![1]!;
      expect(config.auth.forward_auth.allowed_hosts.some((pattern) => isHostMatch(pattern, whoamiHost))).toBe(true);
      expect(whoamiHost.endsWith(`.${config.auth.cookie_domain}`)).toBe(true);
      const traefikAddress = compose['services']['traefik']['networks']['proxy']['ipv4_address'];
      expect(config.server.trusted_proxies).toEqual([`${traefikAddress}/32`]);
      expect(gatehouse['networks']).toContain('proxy');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

/**
 * What `kubectl kustomize deploy/kubernetes` renders: by kubectl when it is installed, else by
 * applying the kustomization's resources, namespace and images here (the fields it uses).
 */
function renderKustomization(): { documents: Yaml[]; renderedBy: string } {
  const directory = path.join(REPO_ROOT, 'deploy/kubernetes');
  const kubectl = spawnSync('kubectl', ['kustomize', directory], { encoding: 'utf8', timeout: 60_000 });
  const parseDocuments = (text: string, source: string) =>
    parseAllDocuments(text).map((document) => {
      if (document.errors.length > 0) throw new Error(`${source}: ${document.errors.map((error) => error.message).join('; ')}`);
      return document.toJS() as Yaml;
    });
  if (kubectl.status === 0) return { documents: parseDocuments(kubectl.stdout, 'kubectl kustomize'), renderedBy: 'kubectl' };
  if (!kubectl.error) throw new Error(`kubectl kustomize failed: ${kubectl.stderr}`);
  const kustomization = parse(readRepoFile('deploy/kubernetes/kustomization.yaml')) as Yaml;
  const documents = (kustomization['resources'] as string[]).flatMap((file) => parseDocuments(readRepoFile(`deploy/kubernetes/${file}`), file));
  for (const document of documents) {
    if (document['kind'] !== 'Namespace' && kustomization['namespace']) document['metadata']['namespace'] = kustomization['namespace'];
    for (const container of document['spec']?.['template']?.['spec']?.['containers'] ?? []) {
      const image = (kustomization['images'] as Yaml[] | undefined)?.find((entry) => entry['name'] === container['image']);
      if (image) container['image'] = `${image['newName'] ?? image['name']}${image['digest'] ? `@${image['digest']}` : `:${image['newTag']}`}`;
    }
  }
  return { documents, renderedBy: 'the YAML check' };
}

describe('deploy/kubernetes (rendered like `kubectl kustomize`)', () => {
  const { documents } = renderKustomization();
  const find = (kind: string, name: string) => documents.find((d) => d['kind'] === kind && d['metadata']['name'] === name)!;
  const deployment = find('Deployment', 'gatehouse');
  const container = deployment['spec']['template']['spec']['containers'][0] as Yaml;
  const pods = documents.filter((d) => d['kind'] === 'Deployment').map((d) => d['spec']['template']['spec'] as Yaml);

  it('renders the resources the README describes, and no Secret (created by hand, never overwritten by apply -k)', () => {
    expect(documents.map((d) => `${d['kind']}/${d['metadata']['name']}`).sort()).toEqual(
      [
        'ConfigMap/gatehouse-config',
        'Deployment/gatehouse',
        'Deployment/whoami',
        'IngressRoute/gatehouse',
        'IngressRoute/whoami',
        'Middleware/gatehouse-auth',
        'Namespace/gatehouse',
        'Service/gatehouse',
        'Service/whoami',
      ].sort(),
    );
    expect(documents.some((d) => d['kind'] === 'Secret')).toBe(false);
    for (const d of documents.filter((d) => d['kind'] !== 'Namespace')) expect(d['metadata']['namespace']).toBe('gatehouse');
  });

  it('runs a pinned image (a tag other than latest, or a digest) that the kubelet need not pull again', () => {
    for (const pod of pods) {
      for (const c of pod['containers'] as Yaml[]) {
        expect(c['image']).toMatch(/(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/);
        expect(c['image']).not.toMatch(/:latest$/);
        expect(c['imagePullPolicy']).toBe('IfNotPresent');
      }
    }
    expect(container['image']).toContain('/gatehouse:');
  });

  it('probes liveness without the database and readiness with it', () => {
    expect(deployment['spec']['replicas']).toBe(2);
    expect(container['ports']).toEqual([{ name: 'http', containerPort: DEFAULT_PORT }]);
    expect(container['livenessProbe']['httpGet']).toEqual({ path: apiPath('healthLive'), port: 'http' });
    expect(container['startupProbe']['httpGet']).toEqual({ path: apiPath('healthLive'), port: 'http' });
    expect(container['readinessProbe']['httpGet']).toEqual({ path: apiPath('healthReady'), port: 'http' });
  });

  it('passes the "restricted" Pod Security Standard, which its namespace enforces', () => {
    expect(find('Namespace', 'gatehouse')['metadata']['labels']['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const pod of pods) {
      expect(pod['automountServiceAccountToken']).toBe(false);
      expect(pod['securityContext']['runAsNonRoot']).toBe(true);
      expect(pod['securityContext']['seccompProfile']).toEqual({ type: 'RuntimeDefault' });
      for (const c of pod['containers'] as Yaml[]) {
        expect(c['securityContext']['allowPrivilegeEscalation']).toBe(false);
        expect(c['securityContext']['capabilities']['drop']).toEqual(['ALL']);
        expect(c['securityContext']['runAsNonRoot']).toBe(true);
        for (const port of c['ports'] as Yaml[]) expect(port['containerPort']).toBeGreaterThanOrEqual(1024);
      }
      for (const volume of (pod['volumes'] ?? []) as Yaml[]) expect(Object.keys(volume).filter((k) => k !== 'name')).toEqual(['configMap']);
    }
  });

  it('wires the Services, the IngressRoutes and the ForwardAuth middleware to each other', () => {
    const service = find('Service', 'gatehouse');
    const [servicePort] = service['spec']['ports'] as Yaml[];
    expect(servicePort!['targetPort']).toBe('http');
    expect(service['spec']['selector']).toEqual(deployment['spec']['template']['metadata']['labels']);
    const route = find('IngressRoute', 'gatehouse');
    expect(route['spec']['routes'][0]['services'][0]).toEqual({ name: 'gatehouse', port: servicePort!['port'] });
    expect(route['spec']['tls']).toEqual({ certResolver: 'le' });
    const middleware = find('Middleware', 'gatehouse-auth');
    const address = new URL(middleware['spec']['forwardAuth']['address']);
    expect(address.hostname).toBe('gatehouse.gatehouse.svc.cluster.local');
    expect(address.pathname).toBe(apiPath('forwardAuth'));
    expect([...middleware['spec']['forwardAuth']['authRequestHeaders']].sort()).toEqual(['Accept', 'Authorization', 'Cookie']);
    const whoamiRoute = find('IngressRoute', 'whoami');
    expect(whoamiRoute['spec']['routes'][0]['middlewares']).toEqual([{ name: 'gatehouse-auth' }]);
    const whoamiService = find('Service', 'whoami');
    expect(whoamiRoute['spec']['routes'][0]['services'][0]).toEqual({ name: 'whoami', port: whoamiService['spec']['ports'][0]['port'] });
    expect(whoamiService['spec']['selector']).toEqual(find('Deployment', 'whoami')['spec']['template']['metadata']['labels']);
  });

  it('takes its secrets from the Secret the README creates, and its config loads with them', async () => {
    const readme = readRepoFile('README.md');
    const createSecret = /kubectl -n gatehouse create secret generic gatehouse(?:[^\n\\]|\\\n)*/.exec(readme)?.[0] ?? '';
    expect(createSecret).not.toBe('');
    const env: Record<string, string> = {};
    for (const variable of container['env'] as Yaml[]) {
      const ref = variable['valueFrom']?.['secretKeyRef'];
      if (ref) {
        expect(ref['name']).toBe('gatehouse');
        expect(createSecret).toContain(`--from-literal=${ref['key']}=`);
        env[variable['name']] = ref['key'] === 'token_secret' ? SECRET : 'postgres://gatehouse:pw@postgres:5432/gatehouse';
      } else env[variable['name']] = String(variable['value']);
    }
    expect(Object.keys(env)).toContain('GATEHOUSE_AUTH__TOKEN_SECRET');
    const directory = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-k8s-'));
    try {
      await writeFile(path.join(directory, 'config.toml'), find('ConfigMap', 'gatehouse-config')['data']['config.toml']);
      expect(container['volumeMounts'][0]['mountPath']).toBe(env['CONFIG_DIR']);
      const { config } = loadConfig({ argv: [], env: { ...env, CONFIG_DIR: directory }, cwd: directory });
      expect(config.server.port).toBe(DEFAULT_PORT);
      const routeHost = /Host\(`([^`]+)`\)/.exec(find('IngressRoute', 'gatehouse')['spec']['routes'][0]['match'])![1]!;
      expect(new URL(config.misc.frontend_url).host).toBe(routeHost);
      expect(config.database.url).toMatch(/^postgres:\/\//);
      // Pinned to the pod network, not every private range.
      expect(config.server.trusted_proxies).toEqual(['10.42.0.0/16']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
