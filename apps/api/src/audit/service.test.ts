import { describe, expect, it } from '@jest/globals';
import { ANONYMOUS_ACTOR, CLI_ACTOR, actorOf, createAuditLog } from './service.js';
import { createUnitServices } from '../test-support/unit-services.js';
import type { AuditRepo } from './repo.js';

describe('AuditLog (fake repositories)', () => {
  it('records who did what to whom, never a secret', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    await u.services.audit.record({
      type: 'admin.user_updated',
      actor: actorOf(ann),
      user: ann,
      details: { is_active: false, password: 'hunter2', nested: { api_token: 'x', kept: 'y' } },
    });
    const [event] = u.data.tables.auditEvents;
    expect(event).toMatchObject({ type: 'admin.user_updated', actorType: 'user', actorId: ann.id, userEmail: 'ann@example.com' });
    expect(event?.details).toEqual({ is_active: false, nested: { kept: 'y' } });
  });

  it('pages newest first, filters by user (as subject or actor) and type', async () => {
    const u = createUnitServices();
    const ann = await u.addUser({ email: 'ann@example.com' });
    for (let i = 0; i < 3; i += 1) await u.services.audit.record({ type: 'sign_out', actor: actorOf(ann), user: ann });
    await u.services.audit.record({ type: 'sign_in.failed', actor: ANONYMOUS_ACTOR, user: { id: null, email: 'x@example.com' } });
    const first = await u.services.audit.list({ limit: 2 });
    expect(first.events.map((event) => event.type)).toEqual(['sign_in.failed', 'sign_out']);
    const second = await u.services.audit.list({ limit: 2, before: BigInt(first.next_before!) });
    expect(second.events).toHaveLength(2);
    expect(second.next_before).toBeNull();
    expect((await u.services.audit.list({ limit: 10, userId: ann.id })).events).toHaveLength(3);
    expect((await u.services.audit.list({ limit: 10, type: 'sign_in.failed' })).events[0]?.actor_type).toBe('anonymous');
  });

  it('prunes past retention_days', async () => {
    const u = createUnitServices({ config: { audit: { retention_days: 30 } } });
    await u.services.audit.record({ type: 'sign_out', actor: CLI_ACTOR });
    u.clock.advance(31 * 24 * 3600 * 1000);
    await u.services.audit.record({ type: 'sign_out', actor: CLI_ACTOR });
    expect(await u.services.audit.prune()).toBe(1);
    expect(u.data.tables.auditEvents).toHaveLength(1);
  });

  it('a failure to write is logged, not thrown: the action already happened', async () => {
    const u = createUnitServices();
    const failing = { create: async () => Promise.reject(new Error('disk full')) } as unknown as AuditRepo;
    const log = createAuditLog({ ...u.ctx, auditEvents: failing });
    await expect(log.record({ type: 'sign_out', actor: CLI_ACTOR })).resolves.toBeUndefined();
  });
});
