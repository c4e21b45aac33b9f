// Finds the config file the way the API does (apps/api/src/config/load-config.ts), and writes a
// first one from config.example.toml.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './workspace.mjs';

const EXAMPLE_CONFIG = path.join(REPO_ROOT, 'config.example.toml');
const TOKEN_SECRET_LINE = /^([ \t]*)token_secret[ \t]*=[ \t]*"[^"\n]*"[^\n]*$/gm;
const ADMIN_EMAILS_LINE = /^([ \t]*)admin_emails[ \t]*=[ \t]*\[[^\n]*\][^\n]*$/gm;

/** As apps/api/src/config/load-config.ts: the last --config before any `--` wins. */
function readConfigArgument(args) {
  let found = null;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '--') break;
    if (arg === '--config') {
      found = args[index + 1] || null;
      index += 1;
    } else if (arg.startsWith('--config=')) {
      found = arg.slice('--config='.length) || null;
    }
  }
  return found;
}

/**
 * Where the API will read its config: `--config <file>`, then $CONFIG_FILE, then
 * $CONFIG_DIR/config.toml, then ./config.toml. `isExplicit` marks a file the user named, which we
 * never create on their behalf.
 */
export function resolveConfigLocation(args, env = process.env, cwd = process.cwd()) {
  const fromArgument = readConfigArgument(args);
  if (fromArgument) return { path: path.resolve(cwd, fromArgument), source: '--config', isExplicit: true };
  if (env.CONFIG_FILE) return { path: path.resolve(cwd, env.CONFIG_FILE), source: 'CONFIG_FILE', isExplicit: true };
  if (env.CONFIG_DIR) {
    return { path: path.resolve(cwd, env.CONFIG_DIR, 'config.toml'), source: 'CONFIG_DIR', isExplicit: false };
  }
  return { path: path.resolve(cwd, 'config.toml'), source: './config.toml', isExplicit: false };
}

/** config.example.toml with a fresh token_secret and, if given, the admin email filled in. */
export function renderFirstConfig({ adminEmail } = {}) {
  const example = readFileSync(EXAMPLE_CONFIG, 'utf8');
  const tokenSecretLines = example.match(TOKEN_SECRET_LINE) ?? [];
  if (tokenSecretLines.length !== 1) {
    throw new Error(`config.example.toml must have exactly one token_secret = "…" line (found ${tokenSecretLines.length})`);
  }
  const tokenSecret = randomBytes(32).toString('hex');
  let text = example.replace(TOKEN_SECRET_LINE, (_line, indent) => `${indent}token_secret = "${tokenSecret}"`);
  let hasAdminEmail = false;
  if (adminEmail) {
    const adminLines = text.match(ADMIN_EMAILS_LINE) ?? [];
    if (adminLines.length !== 1) {
      throw new Error(`config.example.toml must have exactly one one-line admin_emails = [...] (found ${adminLines.length})`);
    }
    // JSON string escaping is valid TOML basic-string escaping.
    text = text.replace(ADMIN_EMAILS_LINE, (_line, indent) => `${indent}admin_emails = [${JSON.stringify(adminEmail)}]`);
    hasAdminEmail = true;
  }
  return { text, hasAdminEmail };
}

/**
 * Makes sure a config file exists where the API will look. Returns a message saying what was done,
 * or null when there was nothing to do.
 */
export function ensureConfigFile(args, env = process.env, cwd = process.cwd()) {
  const location = resolveConfigLocation(args, env, cwd);
  if (existsSync(location.path)) return null;
  if (location.isExplicit) {
    return `Config file ${location.path} (from ${location.source}) does not exist; not creating it. The server will say what is missing.`;
  }
  const adminEmail = env.GATEHOUSE_ADMIN_EMAIL?.trim() || null;
  const { text, hasAdminEmail } = renderFirstConfig({ adminEmail });
  mkdirSync(path.dirname(location.path), { recursive: true });
  // The file holds token_secret: readable by its owner only.
  writeFileSync(location.path, text, { mode: 0o600, flag: 'wx' });
  const shownPath = path.relative(cwd, location.path).startsWith('..') ? location.path : `./${path.relative(cwd, location.path)}`;
  const next = hasAdminEmail
    ? `admin_emails is set to ${adminEmail}; review the rest (misc.frontend_url, [database], OIDC, SMTP).`
    : 'edit admin_emails (or set GATEHOUSE_ADMIN_EMAIL before the first start) so someone can administer it, and review misc.frontend_url, [database], OIDC and SMTP.';
  return `Created ${shownPath} from config.example.toml with a new random token_secret — ${next}`;
}
