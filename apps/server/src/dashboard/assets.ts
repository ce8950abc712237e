import script from 'virtual:baton-dashboard-script';
import { DASHBOARD_CSS, DASHBOARD_HTML } from './page.js';

/**
 * The dashboard page's policy: its own script and style sheet only (no inline script or style,
 * no eval), calls to this server only, no frames, no plugins, no form posts elsewhere.
 */
export const DASHBOARD_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** One static file of the dashboard. */
export interface DashboardAsset {
  contentType: string;
  body: string;
}

/**
 * The dashboard's files by path: the only paths besides `/health` served without the token
 * (they hold no data; every call the page makes to `/v1/...` needs the token).
 */
export const DASHBOARD_ASSETS: Readonly<Record<string, DashboardAsset>> = Object.freeze({
  '/': { contentType: 'text/html; charset=utf-8', body: DASHBOARD_HTML },
  '/dashboard.js': { contentType: 'text/javascript; charset=utf-8', body: script },
  '/dashboard.css': { contentType: 'text/css; charset=utf-8', body: DASHBOARD_CSS },
});

/** The response for a dashboard file, with its security headers. */
export function dashboardResponse(asset: DashboardAsset, method: string): Response {
  return new Response(method === 'HEAD' ? null : asset.body, {
    headers: {
      'content-type': asset.contentType,
      'content-security-policy': DASHBOARD_CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cache-control': 'no-cache',
    },
  });
}
