import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApp } from '../app.js';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { DATABASE_PING_REUSE_MS } from './routes.js';

describe('GET /api/v1/health', () => {
  let t: TestContext;

  beforeAll(async () => {
    t = await createTestContext();
  });
  afterAll(() => t.close());

  it('answers 200 {status: ok, database: ok} while the database is reachable', async () => {
    const res = await request(t.app).get('/api/v1/health');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ status: 'ok', database: 'ok' });
  });

  it('needs no sign-in', async () => {
    const res = await request(t.app).get('/api/v1/health').set('Authorization', 'Bearer not-a-token');
    expect(res.status).toBe(200);
  });

  it('asks the database at most once a second, however many probes come', async () => {
    const probed = await createTestContext();
    try {
      let pings = 0;
      const ping = probed.ctx.db.ping.bind(probed.ctx.db);
      probed.ctx.db.ping = () => {
        pings += 1;
        return ping();
      };
      const app = createApp(probed.ctx);
      const burst = await Promise.all(Array.from({ length: 20 }, () => request(app).get('/api/v1/health')));
      expect(burst.map((res) => res.status)).toEqual(Array(20).fill(200));
      expect((await request(app).get('/api/v1/health/ready')).status).toBe(200);
      expect(pings).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, DATABASE_PING_REUSE_MS + 50));
      expect((await request(app).get('/api/v1/health')).status).toBe(200);
      expect(pings).toBe(2);
      // A database that went away shows within that second.
      await probed.ctx.db.close();
      await new Promise((resolve) => setTimeout(resolve, DATABASE_PING_REUSE_MS + 50));
      expect((await request(app).get('/api/v1/health')).status).toBe(503);
    } finally {
      await probed.close().catch(() => undefined);
    }
  });

  describe('once the database is closed', () => {
    let down: TestContext;

    beforeAll(async () => {
      down = await createTestContext();
      await down.ctx.db.close();
    });
    afterAll(async () => {
      // close() closes the database again; a second close may throw, which is fine here.
      try {
        await down.close();
      } catch {
        // already closed
      }
    });

    it('answers 503 {status: unavailable, database: unreachable}, still as JSON', async () => {
      const started = Date.now();
      const res = await request(down.app).get('/api/v1/health');
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({ status: 'unavailable', database: 'unreachable' });
      // A closed database fails fast; the 3 s timeout is for one that hangs.
      expect(Date.now() - started).toBeLessThan(3500);
      expect(res.text).not.toMatch(/PGlite|pool|Prisma|\.ts:|\/work\//i);
    });

    it('keeps answering 503 on every probe (no crash after the first failure)', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await request(down.app).get('/api/v1/health');
        expect(res.status).toBe(503);
        expect(res.body.status).toBe('unavailable');
      }
    });

    it('/health/live still answers 200: a liveness probe must not restart a replica for a database outage', async () => {
      let pings = 0;
      const ping = down.ctx.db.ping.bind(down.ctx.db);
      down.ctx.db.ping = () => {
        pings += 1;
        return ping();
      };
      const res = await request(down.app).get('/api/v1/health/live');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({ status: 'ok' });
      expect(pings).toBe(0);
      // ... while readiness says the replica should get no traffic.
      expect((await request(down.app).get('/api/v1/health/ready')).status).toBe(503);
    });

    it('does not take the healthy instance down with it', async () => {
      const res = await request(t.app).get('/api/v1/health');
      expect(res.status).toBe(200);
    });
  });
});
