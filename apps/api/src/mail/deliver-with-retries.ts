import type { AppContext } from '../context.js';
import type { MailMessage } from './mailer.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Sends one email in the background of a request: first attempt now, then one per configured
 * delay (ctx.mailRetryDelaysMs). Failures go to the log for the admin, never to the person: an
 * SMTP outage must not turn into an error or a slow answer. `what` names the email in the log
 * ("password reset email"). Needs ctx.mailer.
 */
export async function deliverWithRetries(
  ctx: Pick<AppContext, 'mailer' | 'logger' | 'mailRetryDelaysMs'>,
  what: string,
  userId: string,
  message: MailMessage,
): Promise<void> {
  const mailer = ctx.mailer;
  if (!mailer) return;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await mailer.send(message);
      ctx.logger.info({ userId, attempt: attempt + 1 }, `${capitalize(what)} sent`);
      return;
    } catch (error) {
      const retryInMs = ctx.mailRetryDelaysMs[attempt];
      logDeliveryFailure(ctx, what, userId, error, retryInMs);
      if (retryInMs === undefined) return;
      await sleep(retryInMs);
    }
  }
}

export function logDeliveryFailure(
  ctx: Pick<AppContext, 'logger'>,
  what: string,
  userId: string,
  error: unknown,
  retryInMs: number | undefined,
): void {
  const cause = error instanceof Error ? error.message : String(error);
  ctx.logger.error(
    { userId, cause, retry_in_ms: retryInMs ?? null },
    `Could not send a ${what}: ${cause}. ` +
      (retryInMs === undefined
        ? 'Giving up; the user can ask again once mail works. '
        : `Retrying in ${Math.round(retryInMs / 1000)} s (the link stays valid). `) +
      'Check [notifications.smtp_config] and try `npm run gatehouse -- send-test-email --to <you>`.',
  );
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
