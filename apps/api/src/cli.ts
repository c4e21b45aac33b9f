/**
 * `gatehouse` command-line tasks, with the same configuration the server reads.
 *   npm run gatehouse -- send-test-email --to you@example.com [--config path/to/config.toml]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config/index.js';
import { createMailer } from './mail/mailer.js';

const USAGE = `Usage: gatehouse <command> [options]

Commands:
  send-test-email --to <address>   Send a test email with the configured [notifications.smtp_config]

Options:
  --config <path>                  config.toml to use (else $CONFIG_FILE, $CONFIG_DIR/config.toml, ./config.toml)
`;

function readOption(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  if (index !== -1) return argv[index + 1];
  return argv.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
}

export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<number> {
  const [command] = argv;
  if (command !== 'send-test-email') {
    process.stderr.write(USAGE);
    return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
  }
  const to = readOption(argv, '--to');
  if (!to || !/^[^\s@]+@[^\s@]+$/.test(to)) {
    process.stderr.write(`send-test-email needs --to <email address>\n\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig({ argv: argv.slice(1), env, cwd }).config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`The configuration has problems:\n${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const smtp = config.notifications.smtp_config;
  if (!smtp) {
    process.stderr.write('There is no [notifications.smtp_config] table in the configuration: nothing to test.\n');
    return 2;
  }
  let mailer;
  try {
    mailer = createMailer(smtp);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  try {
    process.stdout.write(`Sending a test email to ${to} through ${mailer.description} ...\n`);
    await mailer.send({
      to,
      subject: 'Gatehouse test email',
      text: `This is a test email from Gatehouse at ${config.misc.frontend_url}. Mail works.`,
      html: `<p>This is a test email from Gatehouse at ${config.misc.frontend_url.replace(/[<>&"]/g, '')}. Mail works.</p>`,
    });
    process.stdout.write('Sent. If it does not arrive, check the spam folder and the mail server\'s log.\n');
    return 0;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  } finally {
    mailer.close();
  }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
if (isMain) {
  runCli(process.argv.slice(2), process.env, process.cwd()).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`gatehouse: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
