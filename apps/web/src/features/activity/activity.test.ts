import { describe, expect, it } from '@jest/globals';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { AUDIT_EVENT_TYPES, type AuditEvent } from '@gatehouse/shared';
import { buildQueryString } from '../../api/client';
import { ActivityTable } from './activity-page';
import { EVENT_LABELS, buildAuditQuery, describeActor, describeEvent } from './describe-event';

function event(overrides: Partial<AuditEvent>): AuditEvent {
  return {
    id: '1',
    created_at: '2026-11-30T12:00:00.000Z',
    type: 'sign_in.succeeded',
    actor_type: 'user',
    actor_id: '6f1c2d2e-0000-4000-8000-000000000001',
    actor_email: 'ann@example.com',
    user_id: '6f1c2d2e-0000-4000-8000-000000000001',
    user_email: 'ann@example.com',
    method: null,
    provider: null,
    ip_address: null,
    details: {},
    ...overrides,
  };
}

describe('Activity view', () => {
  it('has a label for every event type the API can send', () => {
    for (const type of AUDIT_EVENT_TYPES) expect(EVENT_LABELS[type]).toMatch(/\w/);
  });

  it('says who did it', () => {
    expect(describeActor(event({}))).toBe('ann@example.com');
    expect(describeActor(event({ actor_type: 'cli', actor_id: null, actor_email: null }))).toBe('gatehouse CLI');
    expect(describeActor(event({ actor_type: 'anonymous', actor_id: null, actor_email: null }))).toBe('someone not signed in');
  });

  it('describes method, provider and details in words', () => {
    expect(describeEvent(event({ method: 'oidc', provider: 'Authentik' }))).toBe('Signed in (oidc via Authentik)');
    expect(describeEvent(event({ type: 'sign_in.failed', method: 'password', details: { reason: 'wrong_password' } }))).toBe(
      'Sign-in failed (password, reason: wrong_password)',
    );
    expect(describeEvent(event({ type: 'email.changed', details: { from: 'a@x.io', to: 'b@x.io' } }))).toBe(
      'Changed email (from: a@x.io, to: b@x.io)',
    );
    expect(describeEvent(event({ type: 'admin.user_updated', details: { is_superuser: true, fields: ['is_superuser'] } }))).toBe(
      'Changed account (is superuser: true)',
    );
  });

  it('asks the API for the filters and the cursor, leaving empty ones out', () => {
    expect(buildQueryString(buildAuditQuery({ user: '', type: '' }, null))).toBe('');
    expect(buildQueryString(buildAuditQuery({ user: ' 6f1c2d2e-0000-4000-8000-000000000001 ', type: 'sign_out' }, '42'))).toBe(
      '?user=6f1c2d2e-0000-4000-8000-000000000001&type=sign_out&before=42',
    );
  });

  it('renders one row per event, and says so when there is none', () => {
    const html = renderToStaticMarkup(
      createElement(ActivityTable, {
        events: [
          event({ id: '2', type: 'admin.user_deleted', actor_type: 'cli', actor_id: null, actor_email: null, user_email: 'bob@example.com' }),
          event({ id: '1', ip_address: '192.0.2.7', method: 'password' }),
        ],
      }),
    );
    expect(html.match(/<tr>/g)).toHaveLength(3);
    expect(html).toContain('<td>gatehouse CLI</td><td>Deleted account</td><td>bob@example.com</td>');
    expect(html).toContain('<td>Signed in (password)</td><td>ann@example.com</td><td>192.0.2.7</td>');
    expect(renderToStaticMarkup(createElement(ActivityTable, { events: [] }))).toBe('<p>No activity matches.</p>');
  });
});
