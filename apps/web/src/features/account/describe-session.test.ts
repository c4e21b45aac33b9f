import { describe, expect, it } from '@jest/globals';
import { describeSession } from './describe-session';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const EDGE_WINDOWS = `${CHROME_WINDOWS} Edg/130.0.0.0`;
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

describe('describeSession', () => {
  it.each([
    [FIREFOX_LINUX, 'Firefox on Linux'],
    [CHROME_WINDOWS, 'Chrome on Windows'],
    [EDGE_WINDOWS, 'Edge on Windows'],
    [SAFARI_IPHONE, 'Safari on iOS'],
  ])('names %s', (userAgent, expected) => {
    expect(describeSession({ user_agent: userAgent, transport: 'cookie' })).toBe(expected);
  });

  it('falls back for API clients and unknown agents', () => {
    expect(describeSession({ user_agent: null, transport: 'bearer' })).toBe('App or API client');
    expect(describeSession({ user_agent: null, transport: 'cookie' })).toBe('Unknown device');
    expect(describeSession({ user_agent: 'curl/8.5.0', transport: 'cookie' })).toBe('curl/8.5.0');
  });
});
