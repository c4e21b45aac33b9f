// The Docker and Kubernetes files are only text until someone deploys them, and there is no
// container engine here: this suite checks that they parse, that every path they name exists in
// the built tree, that their ports and probe paths are the app's, that the configuration they
// pass loads, and that the image's health check program really tells a live server from a dead one.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
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
    const sources = args('COPY').flatMap((copy) => copy.replace(/^--from=build\s+/, '').split(/\s+/).slice(0, -1));
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

describe('docker-compose.yml', () => {
  const compose = parse(readRepoFile('docker-compose.yml')) as Yaml;
  const labelsOf = (service: string) =>
    Object.fromEntries((compose['services'][service]['labels'] as string[]).map((label) => label.split(/=(.*)/s).slice(0, 2)));

  it('runs Traefik, PostgreSQL, two Gatehouse replicas and a protected sample app', () => {
    expect(Object.keys(compose['services']).sort()).toEqual(['gatehouse', 'postgres', 'traefik', 'whoami']);
    expect(compose['services']['gatehouse']['deploy']['replicas']).toBe(2);
    expect(compose['services']['gatehouse']['build']).toBe('.');
  });

  it('routes HTTPS to the app\'s port and probes its readiness path', () => {
    const labels = labelsOf('gatehouse');
    expect(labels['traefik.http.routers.gatehouse.tls']).toBe('true');
    expect(labels['traefik.http.routers.gatehouse.entrypoints']).toBe('websecure');
    expect(labels['traefik.http.services.gatehouse.loadbalancer.server.port']).toBe(String(DEFAULT_PORT));
    expect(labels['traefik.http.services.gatehouse.loadbalancer.healthcheck.path']).toBe(apiPath('healthReady'));
  });

  it('protects the sample app with a ForwardAuth middleware pointing at the ForwardAuth route', () => {
    const labels = labelsOf('gatehouse');
    const address = new URL(labels['traefik.http.middlewares.gatehouse-auth.forwardauth.address']!);
    expect(address.hostname).toBe('gatehouse');
    expect(address.port).toBe(String(DEFAULT_PORT));
    expect(address.pathname).toBe(apiPath('forwardAuth'));
    expect(labels['traefik.http.middlewares.gatehouse-auth.forwardauth.authResponseHeaders']).toBe(
      'Remote-User,Remote-Email,Remote-Name,Remote-Groups',
    );
    expect(labelsOf('whoami')['traefik.http.routers.whoami.middlewares']).toBe('gatehouse-auth');
  });

  it('passes an environment the app accepts, whose addresses agree with the routers', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-compose-'));
    try {
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(compose['services']['gatehouse']['environment'] as Record<string, string>)) {
        if (name.endsWith('_FILE')) {
          const file = path.join(directory, path.basename(value));
          await writeFile(file, name.includes('TOKEN_SECRET') ? SECRET : 'db-password');
          env[name] = file;
        } else env[name] = value;
      }
      const configPath = path.join(directory, 'config.toml');
      await writeFile(configPath, '[auth]\nadmin_emails = ["admin@example.com"]\n');
      const { config } = loadConfig({ argv: ['--config', configPath], env, cwd: directory });
      const routerHost = /Host\(`([^`]+)`\)/.exec(labelsOf('gatehouse')['traefik.http.routers.gatehouse.rule']!)![1]!;
      expect(new URL(config.misc.frontend_url).host).toBe(routerHost);
      expect(config.server.port).toBe(DEFAULT_PORT);
      expect(config.database.host).toBe('postgres');
      const whoamiHost = /Host\(`([^`]+)`\)/.exec(labelsOf('whoami')['traefik.http.routers.whoami.rule']!)![1]!;
      expect(config.auth.forward_auth.allowed_hosts.some((pattern) => isHostMatch(pattern, whoamiHost))).toBe(true);
      expect(whoamiHost.endsWith(`.${config.auth.cookie_domain}`)).toBe(true);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('deploy/kubernetes', () => {
  const documents: Yaml[] = [];
  for (const file of ['secret.yaml', 'configmap.yaml', 'deployment.yaml', 'service.yaml', 'ingressroute.yaml']) {
    for (const document of parseAllDocuments(readRepoFile(`deploy/kubernetes/${file}`))) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
      documents.push(document.toJS() as Yaml);
    }
  }
  const find = (kind: string, name: string) => documents.find((d) => d['kind'] === kind && d['metadata']['name'] === name)!;
  const deployment = find('Deployment', 'gatehouse');
  const container = deployment['spec']['template']['spec']['containers'][0] as Yaml;

  it('is valid YAML naming the resources the README describes', () => {
    const kustomization = parse(readRepoFile('deploy/kubernetes/kustomization.yaml')) as Yaml;
    for (const resource of kustomization['resources'] as string[]) expect(existsSync(path.join(REPO_ROOT, 'deploy/kubernetes', resource))).toBe(true);
    expect(documents.map((d) => `${d['kind']}/${d['metadata']['name']}`).sort()).toEqual(
      ['ConfigMap/gatehouse-config', 'Deployment/gatehouse', 'IngressRoute/gatehouse', 'IngressRoute/whoami', 'Middleware/gatehouse-auth', 'Secret/gatehouse', 'Service/gatehouse'].sort(),
    );
  });

  it('runs 2 replicas as non-root, on the app\'s port, probing its liveness and readiness paths', () => {
    expect(deployment['spec']['replicas']).toBe(2);
    expect(deployment['spec']['template']['spec']['securityContext']['runAsNonRoot']).toBe(true);
    expect(container['ports']).toEqual([{ name: 'http', containerPort: DEFAULT_PORT }]);
    expect(container['livenessProbe']['httpGet']).toEqual({ path: apiPath('health'), port: 'http' });
    expect(container['readinessProbe']['httpGet']).toEqual({ path: apiPath('healthReady'), port: 'http' });
  });

  it('wires the Service, the IngressRoute and the ForwardAuth middleware to each other', () => {
    const service = find('Service', 'gatehouse');
    const [servicePort] = service['spec']['ports'] as Yaml[];
    expect(servicePort!['targetPort']).toBe('http');
    expect(service['spec']['selector']).toEqual(deployment['spec']['template']['metadata']['labels']);
    const route = find('IngressRoute', 'gatehouse');
    expect(route['spec']['routes'][0]['services'][0]).toEqual({ name: 'gatehouse', port: servicePort!['port'] });
    expect(route['spec']['tls']).toBeDefined();
    const middleware = find('Middleware', 'gatehouse-auth');
    const address = new URL(middleware['spec']['forwardAuth']['address']);
    expect(address.hostname.split('.')[0]).toBe('gatehouse');
    expect(address.pathname).toBe(apiPath('forwardAuth'));
    expect(find('IngressRoute', 'whoami')['spec']['routes'][0]['middlewares']).toEqual([{ name: 'gatehouse-auth' }]);
  });

  it('takes token_secret from the Secret, and its config loads with the values the Secret provides', async () => {
    const secret = find('Secret', 'gatehouse');
    const env: Record<string, string> = {};
    for (const variable of container['env'] as Yaml[]) {
      const ref = variable['valueFrom']?.['secretKeyRef'];
      if (ref) {
        expect(ref['name']).toBe('gatehouse');
        expect(Object.keys(secret['stringData'])).toContain(ref['key']);
        env[variable['name']] = ref['key'] === 'token_secret' ? SECRET : String(secret['stringData'][ref['key']]);
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
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
