import http from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import type { Logger } from '../logger.js';

/**
 * The HTTP server for the app. Requests Node's parser refuses before Express ever sees them
 * (headers over 16 KB, a malformed request line) get a JSON error like every other refusal,
 * instead of Node's bare status line.
 */
export function createHttpServer(app: Express, logger: Logger): http.Server {
  const server = http.createServer(app);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const isTooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = isTooLarge ? 431 : 400;
    const body = JSON.stringify(
      isTooLarge
        ? { detail: 'HEADERS_TOO_LARGE', message: 'The request headers (cookies included) are too large.' }
        : { detail: 'MALFORMED_REQUEST', message: 'The request could not be parsed as HTTP.' },
    );
    logger.info({ code: error.code }, 'Refused a request the HTTP parser could not accept');
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  });
  return server;
}
