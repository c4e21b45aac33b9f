import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestContext, type TestContext } from '../test-support/test-context.js';

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

    it('does not take the healthy instance down with it', async () => {
      const res = await request(t.app).get('/api/v1/health');
      expect(res.status).toBe(200);
    });
  });
});
