// A real SMTP server (npm smtp-server) on 127.0.0.1 that keeps what Gatehouse sends, so a test
// can read the email a person would get.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface SmtpInbox {
  readonly port: number;
  readonly messages: ParsedMail[];
  /** Resolves the first message (past or future) sent to `address`. */
  waitForMessageTo(address: string, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

const isTo = (message: ParsedMail, address: string) =>
  (Array.isArray(message.to) ? message.to : [message.to]).some((to) => to?.value.some((v) => v.address === address));

export async function startSmtpInbox(): Promise<SmtpInbox> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          messages.push(parsed);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    messages,
    async waitForMessageTo(address, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = messages.find((message) => isTo(message, address));
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no email to ${address} within ${timeoutMs} ms`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
