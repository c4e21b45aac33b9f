import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { USER_PAGE_SIZE_DEFAULT } from '@gatehouse/shared';
import { createTestContext, type TestContext } from '../test-support/test-context.js';
import { createUser, crossSiteHeaders, csrfHeaders, loginBearer, loginCookie, sameOriginHeaders } from '../test-support/fixtures.js';

describe('GET /users (search, paged) and DELETE /users/me/sessions', () => {
  let t: TestContext;
  let adminToken: string;

  beforeAll(async () => {
    t = await createTestContext();
    await createUser(t.ctx, { email: 'admin@example.com', isSuperuser: true });
    // 30 more users, so the default page (25) is not the whole list.
    const repo = t.services.data.users;
    for (let index = 1; index <= 30; index += 1) {
      const number = String(index).padStart(2, '0');
      await repo.create({
        email: `member${number}@example.com`,
        displayName: index === 7 ? 'Zoë Quartermain' : null,
        username: index === 9 ? 'quartz' : null,
        hashedPassword: null,
        isActive: true,
        isSuperuser: false,
        isVerified: true,
        createdAt: new Date(Date.UTC(2026, 0, index)),
      });
    }
    adminToken = await loginBearer(t.app, 'admin@example.com');
  });
  afterAll(() => t.close());

  const search = (query: string) => request(t.app).get(`/api/v1/users${query}`).set('Authorization', `Bearer ${adminToken}`);

  it('pages through every user, oldest first, with the total', async () => {
    const first = await search('');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 31, page: 1, per_page: USER_PAGE_SIZE_DEFAULT });
    expect(first.body.items).toHaveLength(USER_PAGE_SIZE_DEFAULT);
    expect(first.body.items[0].email).toBe('member01@example.com');

    const second = await search('?page=2&per_page=25');
    expect(second.body.items.map((u: { email: string }) => u.email)).toEqual([
      'member26@example.com',
      'member27@example.com',
      'member28@example.com',
      'member29@example.com',
      'member30@example.com',
      'admin@example.com',
    ]);
    const past = await search('?page=9');
    expect(past.status).toBe(200);
    expect(past.body).toMatchObject({ items: [], total: 31, page: 9 });
  });

  it('finds by part of the email, username or display name, in any case', async () => {
    const byEmail = await search('?q=MEMBER1');
    expect(byEmail.body.total).toBe(10);
    expect(byEmail.body.items[0].email).toBe('member10@example.com');
    const byNameOrUsername = await search(`?q=${encodeURIComponent('  quart ')}`);
    expect(byNameOrUsername.body.items.map((u: { email: string }) => u.email)).toEqual(['member07@example.com', 'member09@example.com']);
    const none = await search('?q=nobody-here');
    expect(none.body).toMatchObject({ items: [], total: 0 });
    // LIKE wildcards are literal text, not patterns.
    expect((await search('?q=%25')).body.total).toBe(0);
    expect((await search('?q=member_1')).body.total).toBe(0);
    expect((await search('?q=%5C')).body.total).toBe(0);
  });

  it('refuses bad paging with a 422 naming the parameter', async () => {
    for (const [query, field] of [
      ['?page=0', 'page'],
      ['?page=abc', 'page'],
      ['?page=1.5', 'page'],
      ['?per_page=101', 'per_page'],
      ['?per_page=0', 'per_page'],
      ['?q=a&q=b', 'q'],
      [`?q=${'x'.repeat(201)}`, 'q'],
    ] as const) {
      const res = await search(query);
      expect(res.status).toBe(422);
      expect(res.body.detail).toBe('VALIDATION_ERROR');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect(res.body.message).toContain(field);
    }
  });

  it('is for admins only', async () => {
    await createUser(t.ctx, { email: 'plain@example.com' });
    const token = await loginBearer(t.app, 'plain@example.com');
    const res = await request(t.app).get('/api/v1/users').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(403);
    expect((await request(t.app).get('/api/v1/users')).status).toBe(401);
  });

  it('DELETE /users/me/sessions ends every other session of the user and keeps this one', async () => {
    await createUser(t.ctx, { email: 'many@example.com' });
    const others = [await loginBearer(t.app, 'many@example.com'), await loginBearer(t.app, 'many@example.com')];
    const bystander = await loginBearer(t.app, 'admin@example.com');
    const browser = await loginCookie(t.app, 'many@example.com');

    const crossSite = await request(t.app).delete('/api/v1/users/me/sessions').set(crossSiteHeaders(browser));
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.detail).toBe('CSRF_FAILED');

    const res = await request(t.app).delete('/api/v1/users/me/sessions').set(sameOriginHeaders(browser));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 2 });
    for (const token of others) {
      expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    }
    const mine = await request(t.app).get('/api/v1/users/me/sessions').set('Cookie', browser.cookie);
    expect(mine.status).toBe(200);
    expect(mine.body).toHaveLength(1);
    expect(mine.body[0].is_current).toBe(true);
    // Someone else's session is untouched.
    expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${bystander}`)).status).toBe(200);

    const again = await request(t.app).delete('/api/v1/users/me/sessions').set(csrfHeaders(browser));
    expect(again.body).toEqual({ revoked: 0 });
  });
});
