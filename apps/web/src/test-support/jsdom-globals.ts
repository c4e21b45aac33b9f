/**
 * jsdom's window lacks TextEncoder/TextDecoder, which react-router uses at import time; Node.js
 * has both, so component tests get Node's.
 */
import { TextDecoder, TextEncoder } from 'node:util';

if (typeof globalThis.TextEncoder === 'undefined') Object.assign(globalThis, { TextEncoder, TextDecoder });
