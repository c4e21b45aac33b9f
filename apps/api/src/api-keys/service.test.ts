import { describe, expect, it } from '@jest/globals';
import { CLIENT, createUnitServices } from '../test-support/unit-services.js';
import { parseApiKey } from './key.js';

describe('ApiKeyService (fake repositories)', () => {
  const setUp = async () => {
    const u = createUnitServices({ config: { auth: { session_cache_seconds: 5 } } });
    const ann = await u.addUser({ email: 'ann@example.com' });
    const boss = await u.addUser({ email: 'boss@example.com', isSuperuser: true });
    return { u, ann, boss };
  };

  it('makes a key shown once, stores its hash only, and authenticates it', async () => {
    const { u, ann } = await setUp();
    const created = await u.services.apiKeys.create(ann, { name: ' cron ', scope: 'write' }, CLIENT.ipAddress);
    const parsed = parseApiKey(created.key)!;
    expect(created.api_key).toMatchObject({ name: 'cron', scope: 'write', prefix: `gh_${parsed.keyId}`, last_used_at: null });
    const row = u.data.tables.apiKeys[0]!;
    expect(row.secretHash).not.toContain(parsed.secret);
    const found = await u.services.apiKeys.authenticate(created.key, CLIENT.ipAddress);
    expect(found).toMatchObject({ user: { id: ann.id }, apiKey: { scope: 'write' }, mustAddSecondFactor: false });
    expect(u.data.tables.apiKeys[0]!.lastUsedIp).toBe(CLIENT.ipAddress);
    expect(u.auditTypes()).toContain('api_key.created');
  });

  it('refuses a wrong secret, a revoked key, an expired key and a demoted owner’s admin key', async () => {
    const { u, ann, boss } = await setUp();
    const { key, api_key: read } = await u.services.apiKeys.create(ann, { name: 'r', scope: 'read', expires_in_days: 1 }, null);
    const wrong = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(await u.services.apiKeys.authenticate(wrong, null)).toBeNull();
    expect(await u.services.apiKeys.authenticate('gh_not-a-key', null)).toBeNull();
    u.clock.advance(86_400_000 + 1);
    expect(await u.services.apiKeys.authenticate(key, null)).toBeNull();
    expect(u.auditTypes()).toContain('api_key.expired_refused');

    const admin = await u.services.apiKeys.create(boss, { name: 'a', scope: 'admin' }, null);
    expect(await u.services.apiKeys.authenticate(admin.key, null)).not.toBeNull();
    await u.data.users.update(boss.id, { isSuperuser: false });
    u.services.apiKeys.forgetCached();
    expect(await u.services.apiKeys.authenticate(admin.key, null)).toBeNull();

    const other = await u.services.apiKeys.create(ann, { name: 'o', scope: 'read' }, null);
    await expect(u.services.apiKeys.revoke({ type: 'cli' }, other.api_key.id, boss.id)).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
    await u.services.apiKeys.revoke({ type: 'cli' }, other.api_key.id, ann.id);
    expect(await u.services.apiKeys.authenticate(other.key, null)).toBeNull();
    expect((await u.services.apiKeys.list(ann.id)).map((listed) => listed.id)).toEqual([read.id]);
  });

  it('admin keys are for administrators; keys that never expire only where allowed', async () => {
    const { u, ann } = await setUp();
    await expect(u.services.apiKeys.create(ann, { name: 'a', scope: 'admin' }, null)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(u.services.apiKeys.create(ann, { name: 'n', scope: 'read', expires_in_days: null }, null)).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    const allowing = createUnitServices({ config: { auth: { api_keys_allow_no_expiry: true } } });
    const bob = await allowing.addUser({ email: 'bob@example.com' });
    expect((await allowing.services.apiKeys.create(bob, { name: 'n', scope: 'read', expires_in_days: null }, null)).api_key.expires_at).toBeNull();
  });
});
