import type { Request } from 'express';
import type { ClientInfo } from '../auth/service.js';

/** Who is calling, for the session list. The address honours server.trusted_proxies. */
export function readClientInfo(req: Request): ClientInfo {
  return {
    userAgent: req.get('user-agent') ?? null,
    ipAddress: req.ip ?? null,
  };
}
