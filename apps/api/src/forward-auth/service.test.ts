import { describe, expect, it } from '@jest/globals';
import { buildTestConfig } from '../test-support/test-context.js';
import {
  buildRemoteHeaders,
  findDenialReason,
  isHostAllowed,
  isHostMatch,
  parseReturnUrl,
  readForwardedRequest,
  resolveRequirement,
} from './service.js';

const config = buildTestConfig({
  auth: {
    forward_auth: {
      allowed_hosts: ['*.example.com', 'media.test:8443'],
      rules: [{ host: 'admin.example.com', admin_only: true, groups: ['ops'], api_keys: false }],
    },
  },
});
const user = { id: 'u1', email: 'ann@example.com', emailVerifiedAt: new Date(), username: null, displayName: null, isSuperuser: false };

describe('ForwardAuth decisions', () => {
  it('matches hosts by wildcard and port', () => {
    expect(isHostMatch('*.example.com', 'app.example.com')).toBe(true);
    expect(isHostMatch('*.example.com', 'example.com')).toBe(false);
    expect(isHostAllowed(config, 'media.test:8443')).toBe(true);
    expect(isHostAllowed(config, 'media.test')).toBe(false);
    expect(isHostAllowed(config, 'evil.test')).toBe(false);
  });

  it('a rule and the query can only add requirements', () => {
    const requirement = resolveRequirement(config, 'admin.example.com', { admin: 'false', group: 'media' });
    expect(requirement).toEqual({ isAdminOnly: true, groupLists: [['ops'], ['media']] });
    expect(resolveRequirement(config, 'app.example.com', { admin: 'true', group: ' a, ,b ' })).toEqual({
      isAdminOnly: true,
      groupLists: [['a', 'b']],
    });
    expect(resolveRequirement(config, 'app.example.com', {})).toEqual({ isAdminOnly: false, groupLists: [] });
  });

  it('refuses non-admins and users outside a required group', () => {
    const requirement = { isAdminOnly: true, groupLists: [['ops']] };
    expect(findDenialReason(requirement, user, ['ops'])).toMatch(/administrators/);
    expect(findDenialReason(requirement, { ...user, isSuperuser: true }, [])).toMatch(/ops/);
    expect(findDenialReason(requirement, { ...user, isSuperuser: true }, ['ops'])).toBeNull();
  });

  it('reads only a usable forwarded request, and sends the browser back only to allowed hosts', () => {
    expect(readForwardedRequest({ proto: 'https', host: 'App.Example.com', uri: '/x?y=1' })).toEqual({
      proto: 'https',
      host: 'app.example.com',
      uri: '/x?y=1',
    });
    expect(readForwardedRequest({ proto: 'https', host: 'app.example.com', uri: '//evil.test/' })).toBeNull();
    expect(readForwardedRequest({ proto: 'ftp', host: 'app.example.com', uri: '/' })).toBeNull();
    expect(parseReturnUrl(config, 'https://app.example.com/after')?.hostname).toBe('app.example.com');
    expect(parseReturnUrl(config, 'https://evil.test/')).toBeNull();
    expect(parseReturnUrl(config, 'https://user:pw@app.example.com/')).toBeNull();
  });

  it('never hands an unproven address to another app', () => {
    expect(buildRemoteHeaders({ ...user, emailVerifiedAt: null }, ['a'])).toMatchObject({
      'Remote-User': 'gatehouse:u1',
      'Remote-Email': '',
      'Remote-Email-Verified': 'false',
    });
    expect(buildRemoteHeaders(user, ['a', 'b,c'])).toMatchObject({ 'Remote-Email': 'ann@example.com', 'Remote-Groups': 'a' });
  });
});
