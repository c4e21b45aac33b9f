import {
  USER_PAGE_SIZE_DEFAULT,
  type AdminCreateUserRequest,
  type AdminCreateUserResponse,
  type AdminUpdateUserRequest,
  type RevokedSessions,
  type SessionRead,
  type UpdateMeRequest,
  type UserPage,
} from '@gatehouse/shared';
import type { MountRoute } from '../http/mount-route.js';
import { apiKeyNotAllowed, getRequestAuth } from '../http/auth-guard.js';
import type { UserService } from './service.js';
import { readQuery } from '../http/validate.js';
import { toUserRead } from './user-read.js';
import { actorOf } from '../audit/service.js';

export function mountUserRoutes(mount: MountRoute, users: UserService): void {
  // Order matters: /users/me and /users/all must be mounted before /users/:id.
  mount('getMe', (_req, res) => {
    res.json(toUserRead(getRequestAuth(res).user));
  });

  mount('updateMe', async (req, res) => {
    const auth = getRequestAuth(res);
    const body = req.body as UpdateMeRequest;
    // A key may rename its owner, never change the email or password (that stays interactive).
    if (auth.apiKey !== null && (body.email !== undefined || body.password !== undefined)) throw apiKeyNotAllowed();
    const user = await users.updateMe(auth.user, auth.session?.id ?? null, body);
    res.json(toUserRead(user));
  });

  mount('listMySessions', async (_req, res) => {
    const auth = getRequestAuth(res);
    const sessions = await users.listSessions(auth.user.id);
    res.json(
      sessions.map((session): SessionRead => ({
        id: session.id,
        transport: session.transport === 'bearer' ? 'bearer' : 'cookie',
        auth_method: session.authMethod,
        user_agent: session.userAgent,
        ip_address: session.ipAddress,
        created_at: session.createdAt.toISOString(),
        last_seen_at: session.lastSeenAt.toISOString(),
        expires_at: session.expiresAt.toISOString(),
        is_current: session.id === auth.session?.id,
      })),
    );
  });

  mount('revokeMyOtherSessions', async (_req, res) => {
    const auth = getRequestAuth(res);
    const revoked = await users.revokeOtherSessions(auth.user.id, auth.session?.id);
    res.json({ revoked } satisfies RevokedSessions);
  });

  mount('revokeMySession', async (req, res) => {
    const auth = getRequestAuth(res);
    await users.revokeSession(auth.user, String(req.params.id));
    res.status(204).end();
  });

  mount('listUsers', async (_req, res) => {
    res.json((await users.listAll()).map(toUserRead));
  });

  mount('searchUsers', async (_req, res) => {
    const { q = '', page = '1', per_page: perPage } = readQuery(res, 'UserSearchQuery');
    const query = { text: q.trim(), page: Number(page), perPage: perPage === undefined ? USER_PAGE_SIZE_DEFAULT : Number(perPage) };
    const { users: found, total } = await users.search(query);
    res.json({ items: found.map(toUserRead), total, page: query.page, per_page: query.perPage } satisfies UserPage);
  });

  mount('createUser', async (req, res) => {
    const { user, setupUrl } = await users.create(actorOf(getRequestAuth(res).user), req.body as AdminCreateUserRequest);
    res.status(201).json({ user: toUserRead(user), setup_url: setupUrl } satisfies AdminCreateUserResponse);
  });

  mount('unlockUser', async (req, res) => {
    await users.unlock(actorOf(getRequestAuth(res).user), String(req.params.id));
    res.status(204).end();
  });

  mount('getUser', async (req, res) => {
    res.json(toUserRead(await users.getById(String(req.params.id))));
  });

  mount('updateUser', async (req, res) => {
    const auth = getRequestAuth(res);
    const user = await users.update(actorOf(auth.user), String(req.params.id), req.body as AdminUpdateUserRequest);
    res.json(toUserRead(user));
  });

  mount('deleteUser', async (req, res) => {
    const auth = getRequestAuth(res);
    await users.delete(actorOf(auth.user), String(req.params.id));
    res.status(204).end();
  });
}
