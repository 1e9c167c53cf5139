import type { FastifyInstance, HTTPMethods } from 'fastify';
import { ErrorCodes, ModelkitError } from '@modelkit/core';

/** The methods a client may plausibly send; anything not allowed on a route gets 405. */
const METHODS: readonly HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Makes every other method on `url` answer 405 `E_METHOD_NOT_ALLOWED` with an `Allow`
 * header (via the error's `details.allow`), instead of a 404 that suggests the path is wrong.
 * A GET route also allows HEAD, which Fastify answers on its own.
 */
export function refuseOtherMethods(app: FastifyInstance, url: string, allowed: readonly HTTPMethods[]): void {
  const allow = allowed.includes('GET') && !allowed.includes('HEAD') ? [...allowed, 'HEAD' as const] : [...allowed];
  app.route({
    method: METHODS.filter((m) => !allow.includes(m)),
    url,
    // HEAD is either allowed (answered by the GET route) or refused explicitly in the list.
    exposeHeadRoute: false,
    handler: async (req) => {
      const path = req.url.split('?', 1)[0];
      throw new ModelkitError(ErrorCodes.METHOD_NOT_ALLOWED, `${req.method} ${path} is not allowed; this route takes ${allow.join(', ')}`, {
        details: { method: req.method, allow },
      });
    },
  });
}
