import { defineApp } from '@gaekit/config';

/**
 * The example app's App Engine config. `pnpm build:yaml` (gae build) compiles it to app.yaml;
 * `pnpm check` fails when the committed app.yaml is out of date.
 */
export default defineApp(({ mode }) => ({
  runtime: 'nodejs22',
  instanceClass: 'F1',
  automaticScaling: {
    maxInstances: 3,
    maxConcurrentRequests: 20,
  },
  inboundServices: ['warmup'],
  envVariables: {
    GREETING: 'Hello from App Engine',
    LOG_LEVEL: mode === 'production' ? 'info' : 'debug',
  },
  defaultExpiration: '1h',
  errorHandlers: [{ errorCode: 'timeout', file: 'errors/timeout.html' }],
  handlers: [
    {
      url: '/static',
      staticDir: 'public',
      expiration: '7d',
      httpHeaders: { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' },
    },
    {
      url: '/images/(.*)\\.(png|svg)',
      staticFiles: 'public/images/\\1.\\2',
      upload: 'public/images/.*\\.(png|svg)',
    },
    { url: '/account/.*', script: 'auto', secure: 'always' },
    { url: '/.*', script: 'auto' },
  ],
}));
