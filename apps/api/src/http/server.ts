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
  const server = http.createServer(classesFor(app), app);
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

type MessageClasses = { IncomingMessage: typeof http.IncomingMessage; ServerResponse: typeof http.ServerResponse };
const classesOfApp = new WeakMap<Express, MessageClasses>();

/**
 * Subclasses of Node's request and response classes whose prototypes *are* the app's
 * (`app.request`, `app.response`: Express's methods such as `req.get` and `res.json`, plus `app`),
 * made once per app so that every server of it builds the same.
 *
 * Express gives each request and response the app's prototype with `Object.setPrototypeOf` on
 * the objects Node's HTTP server has just built. Changing an object's prototype after it was made
 * throws it off V8's fast paths: a bare Express app answered about a third of what the same app
 * answers built this way (7,000 against 20,000 req/s here), and most of its request objects
 * survived into V8's old generation, where a plain Node server's died young. Node builds its
 * objects from the classes a server is given; built from these, Express's call finds the
 * prototype already in place, which V8 treats as nothing to do. What is on the prototypes is
 * unchanged, and so is every request's behaviour.
 */
function classesFor(app: Express): MessageClasses {
  let classes = classesOfApp.get(app);
  if (classes === undefined) {
    classes = {
      IncomingMessage: adoptPrototype(http.IncomingMessage, app, 'request'),
      ServerResponse: adoptPrototype(http.ServerResponse, app, 'response'),
    };
    classesOfApp.set(app, classes);
  }
  return classes;
}

/** A subclass of `Base` whose prototype takes the place of `app[which]`, with the same members. */
function adoptPrototype<Base extends typeof http.IncomingMessage | typeof http.ServerResponse>(
  Base: Base,
  app: Express,
  which: 'request' | 'response',
): Base {
  const Built = class extends (Base as typeof http.IncomingMessage) {};
  const appPrototype = app[which] as object;
  Object.setPrototypeOf(Built.prototype, Object.getPrototypeOf(appPrototype) as object);
  const { constructor: _constructor, ...members } = Object.getOwnPropertyDescriptors(appPrototype);
  Object.defineProperties(Built.prototype, members);
  app[which] = Built.prototype as never;
  return Built as unknown as Base;
}
