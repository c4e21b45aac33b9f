import type { CreateApiKeyRequest, RenameApiKeyRequest } from '@gatehouse/shared';
import { actorOf } from '../audit/service.js';
import { getSessionAuth } from '../http/auth-guard.js';
import { readClientInfo } from '../http/client-info.js';
import type { MountRoute } from '../http/mount-route.js';
import type { User } from '../users/repo.js';
import type { ApiKeyService } from './service.js';

/**
 * Who may call what: a person's own keys, through an interactive sign-in only (the route table
 * takes no API key on these routes, and not from an account awaiting approval); anyone's keys,
 * administrators (also interactive only).
 */
export function mountApiKeyRoutes(mount: MountRoute, apiKeys: ApiKeyService, findUser: (id: string) => Promise<User>): void {
  mount('listMyApiKeys', async (_req, res) => {
    res.json(await apiKeys.list(getSessionAuth(res).user.id));
  });

  mount('createMyApiKey', async (req, res) => {
    const auth = getSessionAuth(res);
    res.status(201).json(await apiKeys.create(auth.user, req.body as CreateApiKeyRequest, readClientInfo(req).ipAddress));
  });

  mount('renameMyApiKey', async (req, res) => {
    res.json(await apiKeys.rename(getSessionAuth(res).user, String(req.params.id), (req.body as RenameApiKeyRequest).name));
  });

  mount('revokeMyApiKey', async (req, res) => {
    const auth = getSessionAuth(res);
    await apiKeys.revoke(actorOf(auth.user), String(req.params.id), auth.user.id);
    res.status(204).end();
  });

  mount('listUserApiKeys', async (req, res) => {
    getSessionAuth(res);
    res.json(await apiKeys.list((await findUser(String(req.params.id))).id));
  });

  mount('revokeApiKey', async (req, res) => {
    await apiKeys.revoke(actorOf(getSessionAuth(res).user), String(req.params.id));
    res.status(204).end();
  });
}
